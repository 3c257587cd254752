"""The loader that feeds compute_slots: everything it needs in a fixed number of queries,
whatever the number of days and practitioners, and the booking rules in force for a type.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.utils import timezone

from booking.scheduling.clock import clinic_zone, day_bounds
from booking.scheduling.slots import HoursRow, Interval, Rules, Schedule, _utc

# The type's overrides carry no validators of their own (the profile's do): keep a slip in the
# admin from stalling the sweep (granularity 0) or overflowing a date (a huge horizon).
MAX_HORIZON_DAYS = 3 * 366


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
    """Fetch hours, busy time (time off, appointments, holds) and closures in three queries.

    Holds (waitlist time being offered, booking/models/waitlist.py) are busy for the public;
    staff (`include_holds=False`) see through them, and the patient taking an offer sees
    through its own hold (`exclude_hold_id`).

    The count never grows with the number of days or practitioners. (With the clinic profile
    and the consultation type, a whole availability request stays within six queries.)
    Rows come back as plain tuples: model instances would cost more than the sweep itself.
    """
    from booking.models import ClinicClosure, WorkingHours

    tz = clinic_zone()
    range_start, range_end = day_bounds(first_day, last_day, tz)
    # A candidate's buffers reach outside its day: anything busy within them must still block.
    window_start = range_start - timedelta(minutes=consultation_type.buffer_before_minutes)
    window_end = range_end + timedelta(minutes=consultation_type.buffer_after_minutes)

    hours = WorkingHours.objects.filter(
        practitioner__active=True,
        practitioner__consultation_types=consultation_type,
    )
    if practitioner_id is not None:
        hours = hours.filter(practitioner_id=practitioner_id)
    rows_by_pid: dict[int, list[HoursRow]] = defaultdict(list)
    # Effective dates are checked per day by the sweep: the rows are few, the SQL stays simple.
    for pid, weekday, start, end, valid_from, valid_until in hours.order_by().values_list(
        "practitioner_id", "weekday", "start_time", "end_time", "valid_from", "valid_until"
    ):
        rows_by_pid[pid].append(HoursRow(weekday, start, end, valid_from, valid_until))

    # A practitioner without hours in the range cannot offer a slot: no need to load the rest.
    schedule = Schedule(practitioner_ids=sorted(rows_by_pid), hours=dict(rows_by_pid))
    if not schedule.practitioner_ids:
        return schedule

    blocked: dict[int, list[Interval]] = defaultdict(list)
    for pid, start, end in _busy_rows(
        schedule.practitioner_ids,
        window_start,
        window_end,
        exclude_appointment_id,
        include_holds=include_holds,
        exclude_hold_id=exclude_hold_id,
        now=now,
    ):
        blocked[pid].append((start, end))
    schedule.blocked = dict(blocked)

    for start_date, end_date in (
        ClinicClosure.objects.filter(start_date__lte=last_day, end_date__gte=first_day)
        .order_by()
        .values_list("start_date", "end_date")
    ):
        day = max(start_date, first_day)
        while day <= min(end_date, last_day):
            schedule.closed_days.add(day)
            day += timedelta(days=1)
    return schedule


def _busy_rows(
    practitioner_ids: list[int],
    window_start: datetime,
    window_end: datetime,
    exclude_appointment_id: int | None,
    *,
    include_holds: bool = True,
    exclude_hold_id: int | None = None,
    now: datetime | None = None,
) -> list[tuple[int, datetime, datetime]]:
    """Time off, occupied time and held time overlapping the window, as (practitioner, start,
    end) in UTC: one UNION, one query.

    Hand-written SQL, because this is the hot path of every availability request: building
    the same UNION through the ORM costs several times more than running it (0.7 ms against
    0.1 ms on the benchmark), and SQLite datetimes are read as text and parsed by the C
    `fromisoformat` instead of Django's regex converter. Everything else stays in the ORM.
    """
    from booking.models import Appointment, TimeOff, WaitlistHold

    ops = connection.ops
    q = ops.quote_name
    sqlite = connection.vendor == "sqlite"

    def column(model, name: str) -> str:
        quoted = q(model._meta.get_field(name).column)
        # SQLite stores UTC text that sorts as the instants do; read it as text.
        return f"CAST({quoted} AS text)" if sqlite else quoted

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
        f"AND {q('occupied_start')} < %s AND {q('occupied_end')} > %s AND {q('status')} <> %s"
    )
    params: list = [*practitioner_ids, end, start, *practitioner_ids, end, start]
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
        rows = cursor.fetchall()
    if sqlite:
        parse = datetime.fromisoformat
        return [
            (pid, parse(start).replace(tzinfo=UTC), parse(end).replace(tzinfo=UTC))
            for pid, start, end in rows
        ]
    return [(pid, _utc(start), _utc(end)) for pid, start, end in rows]
