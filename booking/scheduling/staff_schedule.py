"""The staff day and week views as data: one column per practitioner, blocks for visits, free
time, breaks, time off and closures, in a fixed number of queries.
"""

from __future__ import annotations

import itertools  # noqa: E402
from collections import defaultdict  # noqa: E402
from dataclasses import (
    dataclass,
    field,  # noqa: E402
)
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, Value

from booking.models import (  # noqa: E402
    Appointment,
    ClinicClosure,
    Practitioner,
    TimeOff,
    WorkingHours,
)
from booking.scheduling.clock import (
    clinic_zone,
    day_bounds,  # noqa: E402
)
from booking.scheduling.slots import (
    HoursRow,  # noqa: E402
    local_instant,
)

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
                _occupied_overlaps(range_start, range_end),
                practitioner_id__in=ids,
                start__lt=range_end,
                end__gt=range_start,
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


class _Overlaps(Func):
    arg_joiner = " && "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def _occupied_overlaps(start: datetime, end: datetime):
    """A bound the database can answer from an index, implied by the visit overlapping the
    range (the occupied time covers the visit). `start < end AND end > start` alone bounds
    `start` from above only: the whole clinic's day read every visit ever (a sequential scan,
    200,000 rows at three years of 50 practitioners). PostgreSQL: the overlap guard's GiST
    index over the occupied time (migration 0004, not cancelled: as this query) finds the day's
    rows. Elsewhere: the (practitioner, occupied_end) index reads from the range onwards."""
    if connection.vendor == "postgresql":
        occupied = Func(F("occupied_start"), F("occupied_end"), Value("[)"), function="TSTZRANGE")
        window = Func(Value(start), Value(end), Value("[)"), function="TSTZRANGE")
        return _Overlaps(occupied, window)
    return Q(occupied_end__gt=start, occupied_start__lt=end)


def _schedule_day(day, practitioners, hours, time_off, appointments, closures, tz) -> ScheduleDay:
    day_start, day_end = day_bounds(day, day, tz)
    closure = next((name for first, last, name in closures if first <= day <= last), "")
    work: dict[int, list[tuple[datetime, datetime]]] = {}
    for p in practitioners:
        work[p.pk] = sorted(
            (local_instant(day, r.start, tz), local_instant(day, r.end, tz))
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
