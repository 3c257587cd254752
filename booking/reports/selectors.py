"""The manager's figures for a period, grouped by week, practitioner or consultation type, in a
fixed number of queries. The database groups, counts and ranks the period's visits in one pass
(visit_figures.py: the median lead time is the middle one or two of each group; a visit is new
when the patient has no earlier visit): a year of 100,000 visits sends a few hundred rows to
Python, not one per visit. Only the working hours are summed here. Each figure's definition is
in DEFINITIONS, shown on the page beside it."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Case, Count, F, IntegerField, Q, Value, When

from booking.models import (
    Appointment,
    ClinicClosure,
    ConsultationType,
    Practitioner,
    TimeOff,
    WorkingHours,
)
from booking.profile import clinic_profile_get
from booking.reports.visit_figures import COUNTED, keyed, visit_totals
from booking.scheduling.clock import clinic_zone, day_bounds
from booking.scheduling.slots import HoursRow, local_instant
from booking.waitlist.figures import REBOOKING_DEFINITION, median_rebooking_by, rebooked_holds

Status = Appointment.Status
Source = Appointment.Source
GROUPINGS = ("week", "practitioner", "type")

DEFINITIONS = {
    "sources": "Visits with a time in the period (any status), by how they were booked: "
    "online by the patient, by phone, or by staff in the back office.",
    "lead_time": "Median days from the moment a visit was booked to its start, over the "
    "period's visits that were not cancelled.",
    "attendance": "No-show rate: no-shows divided by visits that were not cancelled. Late "
    "cancellation rate: visits cancelled less than the clinic's cut-off "
    "(ClinicProfile.cancellation_cutoff_hours) before their start, divided by all visits.",
    "utilisation": "Booked minutes (visits not cancelled, without buffers) divided by working "
    "minutes (weekly hours, less time off and closures). Not split by consultation type.",
    "patients": "New: the patient's first visit that was not cancelled (ever) falls in the "
    "period; returning: they had an earlier one.",
    "reminders": "Reminder messages for the period's visits, by delivery status: sent or "
    "failed (those still queued or skipped are not counted). A text the carrier reported "
    "undelivered counts as failed.",
    "rebooking": "Median hours from a freed slot to its rebooking from the waitlist, over the "
    "freed times in the period (by the time of the visit) that a waitlist patient took. "
    + REBOOKING_DEFINITION,
}


@dataclass(slots=True)
class Row:
    key: object
    label: str
    total: int = 0
    online: int = 0
    phone: int = 0
    staff: int = 0
    cancelled: int = 0
    no_show: int = 0
    late_cancel: int = 0
    booked_minutes: float = 0
    working_minutes: float | None = None
    new: int = 0
    returning: int = 0
    lead_days: float | None = None
    reminders_sent: int = 0
    reminders_failed: int = 0
    rebooking_hours: float | None = None

    @property
    def attended_base(self) -> int:
        return self.total - self.cancelled

    @property
    def no_show_rate(self) -> float | None:
        return 100 * self.no_show / self.attended_base if self.attended_base else None

    @property
    def late_cancel_rate(self) -> float | None:
        return 100 * self.late_cancel / self.total if self.total else None

    @property
    def utilisation(self) -> float | None:
        if not self.working_minutes:
            return None
        return 100 * self.booked_minutes / self.working_minutes


@dataclass(slots=True)
class Report:
    first_day: date
    last_day: date
    grouping: str
    rows: list[Row] = field(default_factory=list)


def _minutes(value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, timedelta):
        return value.total_seconds() / 60
    return float(value) / 60_000_000  # SQLite answers microseconds


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def report_build(*, first_day: date, last_day: date, grouping: str) -> Report:
    if grouping not in GROUPINGS:
        grouping = "week"
    tz = clinic_zone()
    start, end = day_bounds(first_day, last_day, tz)
    cutoff = timedelta(hours=clinic_profile_get().cancellation_cutoff_hours)
    visits = Appointment.objects.filter(start__gte=start, start__lt=end)
    rows: dict[object, Row] = {}
    for c in visit_totals(visits, grouping, tz, cutoff):
        row = rows[c["k"]] = Row(key=c["k"], label="")
        for name in COUNTED:
            setattr(row, name, c[name])
        row.returning = row.total - row.cancelled - row.new
        row.booked_minutes = _minutes(c["booked"])
        row.reminders_sent, row.reminders_failed = c["reminders_sent"], c["reminders_failed"]
        if c["lead_low"] is not None:
            # One middle visit (an odd count) comes back as both: the median of (a, a) is a.
            middle = (c["lead_low"], c["lead_high"])
            row.lead_days = round(statistics.median(m.total_seconds() / 86400 for m in middle), 1)
    _rebooking(rows, start, end, grouping, tz)
    if grouping != "type":
        _working_minutes(rows, first_day, last_day, grouping, tz)
    _labels(rows, grouping)
    report = Report(first_day=first_day, last_day=last_day, grouping=grouping)
    report.rows = sorted(rows.values(), key=lambda r: r.label if grouping != "week" else r.key)
    return report


def _rebooking(rows, start, end, grouping, tz) -> None:
    """The waitlist's own figure (booking/waitlist/figures.py), grouped like the visits: a hold
    has the freed visit's start, practitioner and type. Holds are few: one query, median here."""
    holds = rebooked_holds().filter(start__gte=start, start__lt=end)
    medians = median_rebooking_by(
        keyed(holds, grouping, tz).values_list("k", "freed_at", "ended_at").order_by()
    )
    for key, gap in medians.items():
        if key in rows:
            rows[key].rebooking_hours = round(gap.total_seconds() / 3600, 1)


def _working_minutes(rows, first_day, last_day, grouping, tz) -> None:
    """Weekly hours over the period, less time off and closures: three queries, then days.

    Practitioners mostly share their hours, so the hours come grouped: those with no time off in
    the period are one row per kind of hours with their number (`n`), and the days are walked
    per kind of hours, not per practitioner (50 practitioners were 250 rows and 1,750 steps a
    week). By practitioner, or with time off to take away, a practitioner is their own group."""
    start, end = day_bounds(first_day, last_day, tz)
    time_off: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for pid, s, e in TimeOff.objects.filter(start__lt=end, end__gt=start).values_list(
        "practitioner_id", "start", "end"
    ):
        time_off[pid].append((s, e))
    closures = list(
        ClinicClosure.objects.filter(start_date__lte=last_day, end_date__gte=first_day).values_list(
            "start_date", "end_date"
        )
    )
    if grouping != "week":
        who = F("practitioner_id")
    elif time_off:
        who = Case(
            When(practitioner_id__in=list(time_off), then=F("practitioner_id")),
            default=Value(None),
            output_field=IntegerField(),
        )
    else:
        who = Value(None, output_field=IntegerField())
    hours: dict[int | None, dict[int, list[tuple[HoursRow, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for h in (
        WorkingHours.objects.filter(
            Q(valid_from=None) | Q(valid_from__lte=last_day),
            Q(valid_until=None) | Q(valid_until__gte=first_day),
            practitioner__active=True,
        )
        .annotate(who=who)
        .values("who", "weekday", "start_time", "end_time", "valid_from", "valid_until")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        row = HoursRow(
            h["weekday"], h["start_time"], h["end_time"], h["valid_from"], h["valid_until"]
        )
        hours[h["who"]][h["weekday"]].append((row, h["n"]))
    # A day's (start, end) is turned into instants once.
    spans: dict[tuple, tuple[datetime, datetime, float]] = {}
    day = first_day
    while day <= last_day:
        if not any(a <= day <= b for a, b in closures):
            weekday, week = day.weekday(), _week_start(day)
            for who_id, by_weekday in hours.items():
                row = rows.get(week if grouping == "week" else who_id)
                if row is None:
                    continue
                for r, n in by_weekday.get(weekday, ()):
                    if not r.applies_on(day):
                        continue
                    span = spans.get((day, r.start, r.end))
                    if span is None:
                        s, e = local_instant(day, r.start, tz), local_instant(day, r.end, tz)
                        span = spans[day, r.start, r.end] = (s, e, (e - s).total_seconds() / 60)
                    s, e, minutes = span
                    if time_off.get(who_id):
                        minutes -= sum(
                            max(0.0, (min(e, b) - max(s, a)).total_seconds() / 60)
                            for a, b in time_off[who_id]
                        )
                    row.working_minutes = (row.working_minutes or 0) + minutes * n
        day += timedelta(days=1)


def _labels(rows, grouping) -> None:
    if grouping == "practitioner":
        names = dict(Practitioner.objects.filter(pk__in=rows).values_list("pk", "display_name"))
    elif grouping == "type":
        names = dict(ConsultationType.objects.filter(pk__in=rows).values_list("pk", "name"))
    else:
        names = {key: f"Week of {key:%d %b %Y}" for key in rows}
    for key, row in rows.items():
        row.label = str(names.get(key, key))
