"""Reads with real logic: availability, bookable days, pipeline health.

The pages, the admin and the JSON endpoint all ask for availability here, so they always agree.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from booking.availability import (
    Slot,
    clinic_zone,
    compute_slots,
    load_schedule,
    rules_for,
)
from booking.models import ClinicProfile, ConsultationType, TaskHeartbeat

SCAN_HEARTBEAT = "scan_due_messages"


def clinic_profile_get() -> ClinicProfile:
    """The clinic profile (row pk=1, created with defaults by a migration)."""
    profile = ClinicProfile.objects.filter(pk=1).first()
    if profile is None:
        profile, _ = ClinicProfile.objects.get_or_create(
            pk=1,
            defaults={
                "name": "Clinic",
                "address": "",
                "phone": "",
                "email": "clinic@example.com",
                "opening_hours": "",
            },
        )
    return profile


def consultation_type_list_active():
    return ConsultationType.objects.active()


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
) -> dict[date, list[Slot]]:
    """Free slots per local day between two dates (inclusive), for one or any practitioner."""
    profile = profile or clinic_profile_get()
    schedule = load_schedule(
        consultation_type=consultation_type,
        first_day=first_day,
        last_day=last_day,
        practitioner_id=practitioner_id,
        exclude_appointment_id=exclude_appointment_id,
    )
    return compute_slots(
        schedule=schedule,
        duration=timedelta(minutes=consultation_type.duration_minutes),
        buffer_before=timedelta(minutes=consultation_type.buffer_before_minutes),
        buffer_after=timedelta(minutes=consultation_type.buffer_after_minutes),
        rules=rules_for(consultation_type, profile),
        now=now or timezone.now(),
        first_day=first_day,
        last_day=last_day,
        tz=clinic_zone(),
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

    def slots(first_day: date, last_day: date, *, first_per_day: bool) -> dict[date, list[Slot]]:
        return compute_slots(
            schedule=schedule,
            duration=timedelta(minutes=consultation_type.duration_minutes),
            buffer_before=timedelta(minutes=consultation_type.buffer_before_minutes),
            buffer_after=timedelta(minutes=consultation_type.buffer_after_minutes),
            rules=rules_for(consultation_type, profile),
            now=now,
            first_day=first_day,
            last_day=last_day,
            tz=clinic_zone(),
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


def reminder_pipeline_fresh(now: datetime | None = None) -> bool:
    """False when the periodic scan has not run for three intervals (beat or worker stalled)."""
    last = (
        TaskHeartbeat.objects.filter(name=SCAN_HEARTBEAT)
        .values_list("last_run_at", flat=True)
        .first()
    )
    if last is None:
        return True  # never run yet: a fresh install before beat's first tick
    limit = timedelta(seconds=3 * settings.REMINDER_SCAN_INTERVAL_SECONDS)
    return (now or timezone.now()) - last <= limit


# --- Staff schedule ----------------------------------------------------------------------------
# The admin's day and week views, the printable day list and the disruption page. Each read
# runs a fixed number of queries, whatever the number of appointments. The imports sit here,
# not at the top, so this section merges cleanly with the booking engine's edits above.

import itertools  # noqa: E402
from collections import defaultdict  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, time  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from booking.availability import HoursRow, day_bounds  # noqa: E402
from booking.models import (  # noqa: E402
    Appointment,
    ClinicClosure,
    Practitioner,
    TimeOff,
    WorkingHours,
)


def _local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant a wall-clock time happens on a day (the same rule as booking.availability)."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


SIZE_UNITS_MAX = 192  # 16 hours; static/css/admin-schedule.css defines .u-1 to .u-192


@dataclass(slots=True)
class ScheduleBlock:
    """One stretch of a practitioner's day: an appointment, free time, a break, time off..."""

    kind: str  # "appointment", "free", "break", "time_off", "closed", "off"
    start: datetime
    end: datetime
    appointment: Appointment | None = None
    label: str = ""
    # An appointment inside time off, a closure or outside working hours: it needs moving.
    conflict: bool = False

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def size_class(self) -> str:
        """A CSS class sizing the block by duration (5-minute units): the CSP allows no style=."""
        return f"u-{max(1, min(SIZE_UNITS_MAX, round(self.minutes / 5)))}"


@dataclass(slots=True)
class ScheduleColumn:
    practitioner: Practitioner
    blocks: list[ScheduleBlock] = field(default_factory=list)

    @property
    def appointments(self) -> list[ScheduleBlock]:
        return [b for b in self.blocks if b.kind == "appointment"]

    @property
    def free_minutes(self) -> int:
        return sum(b.minutes for b in self.blocks if b.kind == "free")


@dataclass(slots=True)
class ScheduleDay:
    day: date
    start: datetime
    end: datetime
    closure: str = ""
    columns: list[ScheduleColumn] = field(default_factory=list)


# Which item shows where several cover the same minutes: an appointment always stays visible.
_PRIORITY = {"appointment": 5, "closed": 4, "time_off": 3, "free": 2, "break": 1, "off": 0}


def schedule_practitioners(*, user=None, practitioner_id: int | None = None) -> list[Practitioner]:
    """The practitioners whose columns a staff user sees (a clinician: their own)."""
    qs = Practitioner.objects.filter(active=True).order_by("display_name", "pk")
    if user is not None and not user.has_perm("booking.view_all_schedules"):
        qs = qs.filter(user=user)
    if practitioner_id is not None:
        qs = qs.filter(pk=practitioner_id)
    return list(qs)


def staff_schedule(
    *, first_day: date, last_day: date, practitioners: list[Practitioner]
) -> list[ScheduleDay]:
    """Each day's columns (one per practitioner) of contiguous blocks, in four queries."""
    tz = clinic_zone()
    ids = [p.pk for p in practitioners]
    range_start, range_end = day_bounds(first_day, last_day, tz)

    hours: dict[int, list[HoursRow]] = defaultdict(list)
    time_off: dict[int, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    appointments: dict[int, list[Appointment]] = defaultdict(list)
    closures: list[tuple[date, date, str]] = []
    if ids:
        for row in WorkingHours.objects.filter(practitioner_id__in=ids).values_list(
            "practitioner_id", "weekday", "start_time", "end_time", "valid_from", "valid_until"
        ):
            hours[row[0]].append(HoursRow(*row[1:]))
        for pid, start, end, reason in TimeOff.objects.filter(
            practitioner_id__in=ids, start__lt=range_end, end__gt=range_start
        ).values_list("practitioner_id", "start", "end", "reason"):
            time_off[pid].append((start, end, reason))
        for appointment in (
            Appointment.objects.filter(
                practitioner_id__in=ids, start__lt=range_end, end__gt=range_start
            )
            .exclude(status=Appointment.Status.CANCELLED)
            .select_related("consultation_type", "patient")
            .order_by("start")
        ):
            appointments[appointment.practitioner_id].append(appointment)
        closures = list(
            ClinicClosure.objects.filter(
                start_date__lte=last_day, end_date__gte=first_day
            ).values_list("start_date", "end_date", "name")
        )

    days = []
    day = first_day
    while day <= last_day:
        days.append(_schedule_day(day, practitioners, hours, time_off, appointments, closures, tz))
        day += timedelta(days=1)
    return days


def _schedule_day(day, practitioners, hours, time_off, appointments, closures, tz) -> ScheduleDay:
    day_start, day_end = day_bounds(day, day, tz)
    closure = next((name for first, last, name in closures if first <= day <= last), "")
    work: dict[int, list[tuple[datetime, datetime]]] = {}
    for p in practitioners:
        work[p.pk] = sorted(
            (_local_instant(day, r.start, tz), _local_instant(day, r.end, tz))
            for r in hours.get(p.pk, ())
            if r.applies_on(day)
        )
    # The visible window: from the earliest start to the latest end of anyone's hours or visits.
    edges = [iv for ivs in work.values() for iv in ivs] + [
        (a.start, a.end)
        for p in practitioners
        for a in appointments.get(p.pk, ())
        if a.start < day_end and a.end > day_start
    ]
    if edges:
        view_start = max(min(s for s, _ in edges), day_start)
        view_end = min(max(e for _, e in edges), day_end)
    else:
        view_start = view_end = day_start
    result = ScheduleDay(
        day=day, start=view_start.astimezone(tz), end=view_end.astimezone(tz), closure=closure
    )
    for p in practitioners:
        items: list[tuple[datetime, datetime, str, object]] = []
        intervals = work[p.pk]
        for start, end in intervals:
            items.append((start, end, "free", None))
        if intervals:
            for (_, prev_end), (next_start, _) in itertools.pairwise(intervals):
                if next_start > prev_end:
                    items.append((prev_end, next_start, "break", None))
        for start, end, reason in time_off.get(p.pk, ()):
            items.append((start, end, "time_off", reason or "Time off"))
        if closure:
            items.append((view_start, view_end, "closed", closure))
        for appointment in appointments.get(p.pk, ()):
            if appointment.start < day_end and appointment.end > day_start:
                # The buffers belong to the visit: that time is not free to book.
                items.append(
                    (
                        appointment.occupied_start,
                        appointment.occupied_end,
                        "appointment",
                        appointment,
                    )
                )
        blocks = _flatten(items, view_start, view_end, tz)
        # A visit falls in trouble when it sits in time off, a closure or outside the hours.
        for block in blocks:
            if block.appointment is not None:
                visit = block.appointment
                block.conflict = (
                    bool(closure)
                    or any(
                        s < visit.end and e > visit.start
                        for s, e, kind, _ in items
                        if kind == "time_off"
                    )
                    or not any(s <= visit.start and visit.end <= e for s, e in intervals)
                )
        result.columns.append(ScheduleColumn(practitioner=p, blocks=blocks))
    return result


def _flatten(items, view_start: datetime, view_end: datetime, tz) -> list[ScheduleBlock]:
    """Cut overlapping items into contiguous blocks, the highest-priority item winning."""
    bounds = sorted(
        {view_start, view_end}
        | {max(min(t, view_end), view_start) for s, e, _, _ in items for t in (s, e)}
    )
    blocks: list[ScheduleBlock] = []
    for lo, hi in itertools.pairwise(bounds):
        if lo >= hi:
            continue
        covering = [it for it in items if it[0] < hi and it[1] > lo]
        if covering:
            start, end, kind, payload = max(
                covering, key=lambda it: (_PRIORITY[it[2]], -it[0].timestamp())
            )
        else:
            kind, payload = "off", None
        appointment = payload if kind == "appointment" else None
        label = payload if isinstance(payload, str) else ""
        last = blocks[-1] if blocks else None
        if (
            last is not None
            and last.kind == kind
            and last.appointment is appointment
            and last.label == label
        ):
            last.end = hi.astimezone(tz)
            continue
        blocks.append(
            ScheduleBlock(
                kind=kind,
                start=lo.astimezone(tz),
                end=hi.astimezone(tz),
                appointment=appointment,
                label=label,
            )
        )
    return blocks


def day_list_appointments(*, day: date, practitioners: list[Practitioner]) -> list[Appointment]:
    """The printable front-desk list: the day's visits in time order, in one query."""
    start, end = day_bounds(day, day, clinic_zone())
    return list(
        Appointment.objects.filter(
            practitioner__in=[p.pk for p in practitioners], start__gte=start, start__lt=end
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("consultation_type", "patient", "practitioner")
        .order_by("start", "practitioner__display_name")
    )


def appointments_disrupted_by_time_off(*, time_off: TimeOff) -> list[Appointment]:
    """Open visits of the practitioner that overlap this time off."""
    return list(
        Appointment.objects.filter(
            practitioner_id=time_off.practitioner_id,
            status__in=Appointment.OPEN_STATUSES,
            start__lt=time_off.end,
            end__gt=time_off.start,
        )
        .select_related("consultation_type", "patient", "practitioner")
        .order_by("start")
    )


def appointments_disrupted_by_closure(*, closure: ClinicClosure) -> list[Appointment]:
    """Open visits on the closed days (local dates, first and last inclusive)."""
    start, end = day_bounds(closure.start_date, closure.end_date, clinic_zone())
    return list(
        Appointment.objects.filter(
            status__in=Appointment.OPEN_STATUSES, start__lt=end, end__gt=start
        )
        .select_related("consultation_type", "patient", "practitioner")
        .order_by("start")
    )


def appointments_outside_hours(
    *, practitioner: Practitioner, now: datetime | None = None
) -> list[Appointment]:
    """The practitioner's future open visits that no working-hours interval covers any more
    (all of them once the practitioner is made inactive)."""
    tz = clinic_zone()
    rows = [
        HoursRow(*row)
        for row in WorkingHours.objects.filter(practitioner=practitioner).values_list(
            "weekday", "start_time", "end_time", "valid_from", "valid_until"
        )
    ]
    orphans = []
    for appointment in (
        Appointment.objects.filter(
            practitioner=practitioner,
            status__in=Appointment.OPEN_STATUSES,
            start__gte=now or timezone.now(),
        )
        .select_related("consultation_type", "patient")
        .order_by("start")
    ):
        day = appointment.start.astimezone(tz).date()
        covered = practitioner.active and any(
            row.applies_on(day)
            and _local_instant(day, row.start, tz) <= appointment.start
            and appointment.end <= _local_instant(day, row.end, tz)
            for row in rows
        )
        if not covered:
            orphans.append(appointment)
    return orphans
