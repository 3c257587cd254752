"""The loader that feeds compute_slots: everything it needs in a fixed number of queries,
whatever the number of days and practitioners, and the booking rules in force for a type.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.utils import timezone

from booking import catalogue
from booking.scheduling.clock import clinic_zone, day_bounds
from booking.scheduling.memo import Memo
from booking.scheduling.slots import HoursRow, Interval, Rules, Schedule

# The type's overrides carry no validators of their own (the profile's do): keep a slip in the
# admin from stalling the sweep (granularity 0) or overflowing a date (a huge horizon).
MAX_HORIZON_DAYS = 3 * 366

# The busy rows as read (ISO text) -> per practitioner, the parsed intervals: the same rows, read
# again by the next request, are not parsed again (booking/scheduling/memo.py).
_PARSED_BUSY = Memo(64)


def rules_for(consultation_type, profile) -> Rules:
    """The rules in force for a type: its own overrides, else the clinic's defaults."""

    def pick(override, default):
        return default if override is None else override

    return Rules(
        min_notice=timedelta(
            minutes=pick(consultation_type.min_notice_minutes, profile.min_notice_minutes)
        ),
        horizon=timedelta(
            days=min(pick(consultation_type.horizon_days, profile.horizon_days), MAX_HORIZON_DAYS)
        ),
        granularity=timedelta(
            minutes=max(
                pick(consultation_type.slot_granularity_minutes, profile.slot_granularity_minutes),
                1,
            )
        ),
        cancellation_cutoff=timedelta(
            hours=pick(
                consultation_type.cancellation_cutoff_hours, profile.cancellation_cutoff_hours
            )
        ),
    )


def load_schedule(
    *,
    consultation_type,
    first_day: date,
    last_day: date,
    practitioner_id: int | None = None,
    exclude_appointment_id: int | None = None,
    include_holds: bool = True,
    exclude_hold_id: int | None = None,
    now: datetime | None = None,
) -> Schedule:
    """Fetch hours and closures (one query), then busy time (time off, appointments, holds).

    Holds (waitlist time being offered, booking/models/waitlist.py) are busy for the public;
    staff (`include_holds=False`) see through them, and the patient taking an offer sees
    through its own hold (`exclude_hold_id`).

    The count never grows with the number of days or practitioners: two queries. (With the
    consultation type, a whole availability request makes three; the clinic profile comes from
    booking/profile.py's per-process copy.)
    Rows come back as plain tuples: model instances would cost more than the sweep itself.
    """
    tz = clinic_zone()
    range_start, range_end = day_bounds(first_day, last_day, tz)
    # A candidate's buffers reach outside its day: anything busy within them must still block.
    window_start = range_start - timedelta(minutes=consultation_type.buffer_before_minutes)
    window_end = range_end + timedelta(minutes=consultation_type.buffer_after_minutes)

    rows_by_pid: dict[int, list[HoursRow]] = defaultdict(list)
    closed_days: set[date] = set()
    # Kept under the catalogue's stamp in a pinned view (booking/catalogue.py).
    hours_rows = catalogue.kept(
        "hours",
        (consultation_type.pk, practitioner_id, first_day, last_day),
        lambda: tuple(
            _hours_and_closures(consultation_type.pk, practitioner_id, first_day, last_day)
        ),
    )
    # Effective dates are checked per day by the sweep: the rows are few, the SQL stays simple.
    for pid, weekday, start, end, valid_from, valid_until in hours_rows:
        if pid is None:  # a closure: valid_from and valid_until are its first and last day
            day = max(valid_from, first_day)
            while day <= min(valid_until, last_day):
                closed_days.add(day)
                day += timedelta(days=1)
        else:
            rows_by_pid[pid].append(HoursRow(weekday, start, end, valid_from, valid_until))

    # A practitioner without hours in the range cannot offer a slot: no need to load the rest.
    schedule = Schedule(
        practitioner_ids=sorted(rows_by_pid), hours=dict(rows_by_pid), closed_days=closed_days
    )
    loaded_from = (
        consultation_type.pk,
        practitioner_id,
        first_day,
        last_day,
        window_start,
        window_end,
        exclude_appointment_id,
        include_holds,
        exclude_hold_id,
    )
    if not schedule.practitioner_ids:
        schedule.fingerprint = (loaded_from, hours_rows)
        return schedule

    busy = tuple(
        _busy_rows_raw(
            schedule.practitioner_ids,
            window_start,
            window_end,
            exclude_appointment_id,
            include_holds=include_holds,
            exclude_hold_id=exclude_hold_id,
            now=now,
        )
    )
    key = (connection.vendor, busy)
    blocked = _PARSED_BUSY.get(key)
    if blocked is None:
        blocked = _blocked_by_practitioner(_parse_busy(busy))
        _PARSED_BUSY.put(key, blocked)
    schedule.blocked = blocked
    schedule.fingerprint = (loaded_from, hours_rows, busy)
    return schedule


def _blocked_by_practitioner(rows) -> dict[int, list[Interval]]:
    blocked: dict[int, list[Interval]] = defaultdict(list)
    for pid, start, end in rows:
        blocked[pid].append((start, end))
    return dict(blocked)


def _as_date(value) -> date | None:
    # SQLite answers raw queries with ISO text, PostgreSQL with dates.
    return date.fromisoformat(value) if isinstance(value, str) else value


def _as_time(value) -> time:
    return time.fromisoformat(value) if isinstance(value, str) else value


def _hours_and_closures(
    consultation_type_id: int, practitioner_id: int | None, first_day: date, last_day: date
) -> list[tuple]:
    """The weekly hours of the active practitioners offering the type, as (practitioner,
    weekday, start, end, valid from, valid until), and the clinic's closures overlapping the
    range, as (None, None, None, None, first day, last day): one UNION, one query.

    Hand-written for the reason `_busy_rows` is: the ORM took longer to build these two queries
    than the database to answer them.
    """
    from booking.models import ClinicClosure, Practitioner, WorkingHours

    q = connection.ops.quote_name
    through = Practitioner.consultation_types.through._meta

    def col(meta, name: str) -> str:
        return q(meta.get_field(name).column)

    hours, practitioner, closure = WorkingHours._meta, Practitioner._meta, ClinicClosure._meta
    sql = (
        f"SELECT h.{col(hours, 'practitioner')}, h.{col(hours, 'weekday')}, "
        f"h.{col(hours, 'start_time')}, h.{col(hours, 'end_time')}, "
        f"h.{col(hours, 'valid_from')}, h.{col(hours, 'valid_until')} "
        f"FROM {q(hours.db_table)} h "
        f"JOIN {q(practitioner.db_table)} p ON p.{col(practitioner, 'id')} = "
        f"h.{col(hours, 'practitioner')} "
        f"JOIN {q(through.db_table)} m ON m.{col(through, 'practitioner')} = "
        f"p.{col(practitioner, 'id')} "
        f"WHERE p.{col(practitioner, 'active')} = %s AND m.{col(through, 'consultationtype')} = %s"
    )
    params: list = [True, consultation_type_id]
    if practitioner_id is not None:
        sql += f" AND h.{col(hours, 'practitioner')} = %s"
        params.append(practitioner_id)
    sql += (
        f" UNION ALL SELECT NULL, NULL, NULL, NULL, {col(closure, 'start_date')}, "
        f"{col(closure, 'end_date')} FROM {q(closure.db_table)} "
        f"WHERE {col(closure, 'start_date')} <= %s AND {col(closure, 'end_date')} >= %s"
    )
    params += [
        connection.ops.adapt_datefield_value(last_day),
        connection.ops.adapt_datefield_value(first_day),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if connection.vendor != "sqlite":
        return rows
    return [
        (
            pid,
            weekday,
            None if pid is None else _as_time(start),
            None if pid is None else _as_time(end),
            _as_date(valid_from),
            _as_date(valid_until),
        )
        for pid, weekday, start, end, valid_from, valid_until in rows
    ]


def _busy_rows_raw(
    practitioner_ids: list[int],
    window_start: datetime,
    window_end: datetime,
    exclude_appointment_id: int | None,
    *,
    include_holds: bool = True,
    exclude_hold_id: int | None = None,
    now: datetime | None = None,
) -> list[tuple[int, str, str]]:
    """Time off, occupied time and held time overlapping the window, as (practitioner, start,
    end) with the instants as the database's ISO text (`_parse_busy` reads them): one UNION,
    one query.

    Hand-written SQL, because this is the hot path of every availability request: building
    the same UNION through the ORM costs several times more than running it (0.7 ms against
    0.1 ms on the benchmark). The instants are read as ISO text and parsed by the C
    `fromisoformat`: on SQLite instead of Django's regex converter; on PostgreSQL instead of
    the driver's timestamp loader and Django's time-zone step, a Python call per value (the
    time picker reads some 800 of them; this halves their cost).
    """
    from booking.models import Appointment, TimeOff, WaitlistHold

    ops = connection.ops
    q = ops.quote_name

    def column(model, name: str) -> str:
        # SQLite stores UTC text without an offset (which sorts as the instants do);
        # PostgreSQL writes ISO text with the session's offset (UTC: Django sets it).
        return f"CAST({q(model._meta.get_field(name).column)} AS text)"

    def pid_in() -> str:
        return ", ".join(["%s"] * len(practitioner_ids))

    start = ops.adapt_datetimefield_value(window_start)
    end = ops.adapt_datetimefield_value(window_end)
    sql = (
        f"SELECT {q('practitioner_id')}, {column(TimeOff, 'start')}, {column(TimeOff, 'end')} "
        f"FROM {q(TimeOff._meta.db_table)} "
        f"WHERE {q('practitioner_id')} IN ({pid_in()}) AND {q('start')} < %s AND {q('end')} > %s "
        "UNION ALL "
        f"SELECT {q('practitioner_id')}, {column(Appointment, 'occupied_start')}, "
        f"{column(Appointment, 'occupied_end')} FROM {q(Appointment._meta.db_table)} "
        f"WHERE {q('practitioner_id')} IN ({pid_in()}) "
        # `occupied_end > start` is the bound an index can use: the (practitioner, occupied_end)
        # index reads from the window onwards, i.e. at most the visits booked ahead, whatever
        # the years of history before it (`occupied_start < end` alone read them all).
        f"AND {q('occupied_end')} > %s AND {q('occupied_start')} < %s AND {q('status')} <> %s"
    )
    params: list = [*practitioner_ids, end, start, *practitioner_ids, start, end]
    params.append(Appointment.Status.CANCELLED.value)
    if exclude_appointment_id is not None:
        sql += f" AND {q('id')} <> %s"
        params.append(exclude_appointment_id)
    if include_holds:
        # A hold blocks while it is being offered and not past `held_until`, so a hold whose
        # worker never came back frees itself.
        sql += (
            " UNION ALL "
            f"SELECT {q('practitioner_id')}, {column(WaitlistHold, 'occupied_start')}, "
            f"{column(WaitlistHold, 'occupied_end')} FROM {q(WaitlistHold._meta.db_table)} "
            f"WHERE {q('practitioner_id')} IN ({pid_in()}) "
            f"AND {q('occupied_start')} < %s AND {q('occupied_end')} > %s "
            f"AND {q('status')} = %s AND {q('held_until')} > %s"
        )
        params += [*practitioner_ids, end, start, WaitlistHold.Status.OFFERING.value]
        params.append(ops.adapt_datetimefield_value(now or timezone.now()))
        if exclude_hold_id is not None:
            sql += f" AND {q('id')} <> %s"
            params.append(exclude_hold_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _parse_busy(rows) -> list[tuple[int, datetime, datetime]]:
    """`_busy_rows_raw`'s rows with their instants as aware UTC datetimes."""
    parse = datetime.fromisoformat
    if connection.vendor == "sqlite":
        return [
            (pid, parse(start).replace(tzinfo=UTC), parse(end).replace(tzinfo=UTC))
            for pid, start, end in rows
        ]
    return [(pid, _utc(parse(start)), _utc(parse(end))) for pid, start, end in rows]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)
