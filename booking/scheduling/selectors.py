"""Reads with real logic: availability, bookable days, next available, the picker's month.

The pages, the admin and the JSON endpoint all ask for availability here, so they always agree.
"""

from __future__ import annotations

import calendar
import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.utils import timezone

from booking import catalogue
from booking.models import ClinicProfile, ConsultationType, Practitioner
from booking.profile import clinic_profile_get
from booking.scheduling.clock import clinic_zone
from booking.scheduling.loader import load_schedule, rules_for
from booking.scheduling.memo import Memo
from booking.scheduling.slots import Rules, Schedule, Slot, compute_slots, local_instant

# compute_slots' answers, keyed by the schedule's fingerprint (the rows this request read) and
# every other input but the time; booking/scheduling/memo.py says why that is safe.
_COMPUTED = Memo(64)


def _slots_memo(
    *,
    schedule: Schedule,
    consultation_type: ConsultationType,
    rules: Rules,
    now: datetime,
    first_day: date,
    last_day: date,
    enforce_notice_and_horizon: bool = True,
    first_per_day: bool = False,
) -> dict[date, list[Slot]]:
    """`compute_slots`, answered from the memo when the same rows were swept before and the
    answer still holds at `now`.

    The answer depends on the time in two ways only, both checked here: a slot before `now`
    plus the minimum notice is left out, so an answer holds until its earliest slot comes
    within the notice (the times before that slot were busy or already too near, and stay so
    as time passes); and a slot past `now` plus the horizon is left out, so an answer is kept
    only when the horizon reached past its last day (time passing then adds nothing). A `now`
    earlier than the answer's (a test's clock) never uses it.
    """
    tz = clinic_zone()
    duration = timedelta(minutes=consultation_type.duration_minutes)
    buffer_before = timedelta(minutes=consultation_type.buffer_before_minutes)
    buffer_after = timedelta(minutes=consultation_type.buffer_after_minutes)

    def compute() -> dict[date, list[Slot]]:
        return compute_slots(
            schedule=schedule,
            duration=duration,
            buffer_before=buffer_before,
            buffer_after=buffer_after,
            rules=rules,
            now=now,
            first_day=first_day,
            last_day=last_day,
            tz=tz,
            enforce_notice_and_horizon=enforce_notice_and_horizon,
            first_per_day=first_per_day,
        )

    if not schedule.fingerprint:
        return compute()
    key = (
        schedule.fingerprint,
        duration,
        buffer_before,
        buffer_after,
        rules,
        tz,
        first_day,
        last_day,
        enforce_notice_and_horizon,
        first_per_day,
    )
    notice = rules.min_notice if enforce_notice_and_horizon else timedelta(0)
    kept = _COMPUTED.get(key)
    if kept is not None:
        computed_at, first_start, answer = kept
        if computed_at <= now and (first_start is None or now + notice <= first_start):
            return {day: list(slots) for day, slots in answer.items()}
    answer = compute()
    range_end = local_instant(last_day + timedelta(days=1), time.min, tz)
    if not enforce_notice_and_horizon or now + rules.horizon >= range_end:
        first_start = min((slots[0].start for slots in answer.values() if slots), default=None)
        _COMPUTED.put(key, (now, first_start, answer))
    return {day: list(slots) for day, slots in answer.items()}


def consultation_type_list_public():
    return ConsultationType.objects.public()


# The patient pages' first two queries are built by the ORM once per process and database,
# with a stand-in for their one value, and then run on a plain cursor, the rows made into
# instances as the ORM would (its converters, then `Model.from_db`): building the queries took
# the ORM four times longer than the database took to answer, and a raw queryset's per-call
# column mapping was a third of the availability endpoint's own time.
_SLUG = "\x00slug"
_TYPE_ID = -7_310_421  # no row has a negative id


@functools.cache
def _compiled(alias: str, name: str) -> tuple[str, tuple, int, list]:
    if name == "public type":
        query = ConsultationType.objects.public().filter(slug=_SLUG).order_by().query
        stand_in = _SLUG
    else:
        query = _practitioners_offering(_TYPE_ID).query
        stand_in = _TYPE_ID
    compiler = query.get_compiler(alias)
    sql, params = compiler.as_sql()
    columns = [column[0] for column in compiler.select]
    # Every concrete field, in the model's order: what `from_db` takes positionally.
    assert [c.target.attname for c in columns] == [
        f.attname for f in query.model._meta.concrete_fields
    ], name
    # The converters' own connection is only read for its settings (the zone), which every
    # connection of the alias shares; each call passes the current one.
    converters = [
        (position, convs, expression)
        for position, (convs, expression) in compiler.get_converters(columns).items()
    ]
    return sql, params, params.index(stand_in), converters


def _run(model, name: str, value) -> list:
    sql, params, at, converters = _compiled(connection.alias, name)
    values = list(params)
    values[at] = value
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        rows = cursor.fetchall()
    alias = connection.alias
    found = []
    for row in rows:
        if converters:
            row = list(row)
            for position, convs, expression in converters:
                cell = row[position]
                for convert in convs:
                    cell = convert(cell, expression, connection)
                row[position] = cell
        found.append(model.from_db(alias, None, row))
    return found


def consultation_type_public_get(slug: str) -> ConsultationType | None:
    """The public type with this slug, or None: `public().filter(slug=slug)`. Kept under the
    catalogue's stamp in a pinned view (booking/catalogue.py)."""
    found = catalogue.kept(
        "public type", (slug,), lambda: _run(ConsultationType, "public type", slug)
    )
    return catalogue.instances(found)[0] if found else None


def _practitioners_offering(consultation_type_id: int):
    return Practitioner.objects.filter(
        active=True, consultation_types=consultation_type_id
    ).order_by("display_name", "pk")


def practitioner_list_offering(consultation_type: ConsultationType) -> list[Practitioner]:
    """The active practitioners offering a type, by name. Kept under the catalogue's stamp in a
    pinned view (booking/catalogue.py)."""
    pk = consultation_type.pk
    return catalogue.instances(
        catalogue.kept("practitioners", (pk,), lambda: _run(Practitioner, "practitioners", pk))
    )


def available_slots(
    *,
    consultation_type: ConsultationType,
    first_day: date,
    last_day: date,
    practitioner_id: int | None = None,
    now: datetime | None = None,
    enforce_notice_and_horizon: bool = True,
    exclude_appointment_id: int | None = None,
    first_per_day: bool = False,
    profile: ClinicProfile | None = None,
    include_holds: bool = True,
    exclude_hold_id: int | None = None,
) -> dict[date, list[Slot]]:
    """Free slots per local day between two dates (inclusive), for one or any practitioner.

    Waitlist holds count as busy unless `include_holds` is off (staff) or the hold is the one
    being taken (`exclude_hold_id`)."""
    profile = profile or clinic_profile_get()
    now = now or timezone.now()
    schedule = load_schedule(
        consultation_type=consultation_type,
        first_day=first_day,
        last_day=last_day,
        practitioner_id=practitioner_id,
        exclude_appointment_id=exclude_appointment_id,
        include_holds=include_holds,
        exclude_hold_id=exclude_hold_id,
        now=now,
    )
    return _slots_memo(
        schedule=schedule,
        consultation_type=consultation_type,
        rules=rules_for(consultation_type, profile),
        now=now,
        first_day=first_day,
        last_day=last_day,
        enforce_notice_and_horizon=enforce_notice_and_horizon,
        first_per_day=first_per_day,
    )


def booking_window(
    *, consultation_type: ConsultationType, profile: ClinicProfile, now: datetime | None = None
) -> tuple[date, date]:
    """The first and last local days on which a patient could book this type."""
    now = now or timezone.now()
    rules = rules_for(consultation_type, profile)
    tz = clinic_zone()
    return (now + rules.min_notice).astimezone(tz).date(), (now + rules.horizon).astimezone(
        tz
    ).date()


def bookable_days(
    *,
    consultation_type: ConsultationType,
    first_day: date,
    last_day: date,
    practitioner_id: int | None = None,
    now: datetime | None = None,
) -> set[date]:
    """The local days in a range with at least one free slot (e.g. for a month view)."""
    profile = clinic_profile_get()
    window_first, window_last = booking_window(
        consultation_type=consultation_type, profile=profile, now=now
    )
    first_day, last_day = max(first_day, window_first), min(last_day, window_last)
    if first_day > last_day:
        return set()
    slots = available_slots(
        consultation_type=consultation_type,
        first_day=first_day,
        last_day=last_day,
        practitioner_id=practitioner_id,
        now=now,
        first_per_day=True,
        profile=profile,
    )
    return set(slots)


def next_available(
    *,
    consultation_type: ConsultationType,
    practitioner_id: int | None = None,
    now: datetime | None = None,
) -> Slot | None:
    """The earliest free slot within the booking horizon, or None."""
    profile = clinic_profile_get()
    first_day, last_day = booking_window(
        consultation_type=consultation_type, profile=profile, now=now
    )
    # One load over the whole window (a fixed number of queries); first_per_day keeps the
    # sweep to one slot per practitioner and day.
    slots = available_slots(
        consultation_type=consultation_type,
        first_day=first_day,
        last_day=last_day,
        practitioner_id=practitioner_id,
        now=now,
        first_per_day=True,
        profile=profile,
    )
    return slots[min(slots)][0] if slots else None


@dataclass(frozen=True, slots=True)
class PickerAvailability:
    """Everything the patient's time picker shows, computed from one schedule load."""

    window_first: date
    window_last: date
    # The first day of the month shown, always one of the booking window's months.
    month: date
    next_slot: Slot | None
    # The days of `month` with at least one free time.
    bookable_days: frozenset[date]
    # The day whose times are shown: the one asked for, else the month's first bookable day.
    day: date | None
    # That day's free times (every practitioner's), empty unless the day is bookable.
    day_slots: list[Slot]


def _month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def picker_availability(
    *,
    consultation_type: ConsultationType,
    month: date | None,
    day: date | None,
    practitioner_id: int | None = None,
    now: datetime | None = None,
    exclude_appointment_id: int | None = None,
    profile: ClinicProfile | None = None,
) -> PickerAvailability:
    """The picker's next free time, month grid and day's times, as `next_available`,
    `bookable_days` and `available_slots` would answer them, from a single load.

    `month` None shows the month of `day`, else of the next free time, else the window's first;
    a month outside the booking window is moved to the nearest one inside it. With
    `exclude_appointment_id` (rescheduling) that visit's own time counts as free everywhere.
    """
    profile = profile or clinic_profile_get()
    now = now or timezone.now()
    window_first, window_last = booking_window(
        consultation_type=consultation_type, profile=profile, now=now
    )
    if month is not None:
        month = min(max(month, window_first.replace(day=1)), window_last.replace(day=1))
    # Load from the window's start (so the earliest free time found is the next available one)
    # to the end of the month on show, not the whole window: a busy clinic's 60 days of
    # appointments are most of a request's cost. Only when that stretch is fully booked is the
    # rest of the window loaded (three more queries).
    shown = month or (day or window_first).replace(day=1)
    range_last = min(max(_month_end(shown), day or window_first), window_last)

    def load(last_day: date):
        return load_schedule(
            consultation_type=consultation_type,
            first_day=window_first,
            last_day=last_day,
            practitioner_id=practitioner_id,
            exclude_appointment_id=exclude_appointment_id,
        )

    schedule = load(range_last)

    rules = rules_for(consultation_type, profile)

    def slots(first_day: date, last_day: date, *, first_per_day: bool) -> dict[date, list[Slot]]:
        return _slots_memo(
            schedule=schedule,
            consultation_type=consultation_type,
            rules=rules,
            now=now,
            first_day=first_day,
            last_day=last_day,
            first_per_day=first_per_day,
        )

    # Each day's slots depend on that day alone: one first-per-day sweep answers both "next
    # available" and the month's bookable days.
    firsts = slots(window_first, range_last, first_per_day=True)
    if not firsts and range_last < window_last:
        range_last = window_last
        schedule = load(window_last)
        firsts = slots(window_first, window_last, first_per_day=True)
    next_slot = firsts[min(firsts)][0] if firsts else None
    if month is None:
        anchor = day or (next_slot.start.date() if next_slot else window_first)
        month = min(
            max(anchor.replace(day=1), window_first.replace(day=1)), window_last.replace(day=1)
        )
    month_last = _month_end(month)
    days = frozenset(d for d in firsts if month <= d <= month_last)
    if day is None and days:
        day = min(days)
    day_slots = slots(day, day, first_per_day=False).get(day, []) if day in days else []
    return PickerAvailability(
        window_first=window_first,
        window_last=window_last,
        month=month,
        next_slot=next_slot,
        bookable_days=days,
        day=day,
        day_slots=day_slots,
    )
