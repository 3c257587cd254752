"""The manager's figures for a period, grouped by week, practitioner or consultation type, in a
fixed number of queries. The database groups, counts and ranks (the median lead time is the
middle one or two of each group, ranked by a window function; a visit is new when the patient has
no earlier visit, a NOT EXISTS anti-join): a year of 100,000 visits sends a few hundred rows to
Python, not one per visit. Only the working hours are summed here. Each figure's
definition is in DEFINITIONS, shown on the page beside it."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import (
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
    Window,
)
from django.db.models.functions import RowNumber, Trunc

from booking.models import (
    Appointment,
    ClinicClosure,
    ConsultationType,
    OutboundMessage,
    Practitioner,
    TimeOff,
    WorkingHours,
)
from booking.models.messages import UNDELIVERED_STATUSES
from booking.profile import clinic_profile_get
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

# Texts the provider took but could not deliver (its status callback): not a reminder received.
NOT_DELIVERED = Q(delivery_status__in=UNDELIVERED_STATUSES)


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


def _keyed(qs, grouping: str, tz, prefix: str = ""):
    """Annotate the group key: the Monday of the visit's local week, practitioner or type."""
    if grouping == "week":
        return qs.annotate(k=Trunc(f"{prefix}start", "week", output_field=DateField(), tzinfo=tz))
    if grouping == "practitioner":
        return qs.annotate(k=F(f"{prefix}practitioner_id"))
    return qs.annotate(k=F(f"{prefix}consultation_type_id"))


def _earlier_visit():
    """A visit of the same patient, not cancelled, that starts before this one (at any time,
    before the period too): a visit without one is the patient's first, i.e. new."""
    return Appointment.objects.filter(
        patient_id=OuterRef("patient_id"), start__lt=OuterRef("start")
    ).exclude(status=Status.CANCELLED)


def report_build(*, first_day: date, last_day: date, grouping: str) -> Report:
    if grouping not in GROUPINGS:
        grouping = "week"
    tz = clinic_zone()
    start, end = day_bounds(first_day, last_day, tz)
    cutoff = timedelta(hours=clinic_profile_get().cancellation_cutoff_hours)
    visits = Appointment.objects.filter(start__gte=start, start__lt=end)
    live = ~Q(status=Status.CANCELLED)
    counts = (
        _keyed(visits, grouping, tz)
        .values("k")
        .annotate(
            total=Count("pk"),
            online=Count("pk", filter=Q(source=Source.ONLINE)),
            phone=Count("pk", filter=Q(source=Source.PHONE)),
            staff=Count("pk", filter=Q(source=Source.ADMIN)),
            cancelled=Count("pk", filter=Q(status=Status.CANCELLED)),
            no_show=Count("pk", filter=Q(status=Status.NO_SHOW)),
            late_cancel=Count(
                "pk",
                filter=Q(status=Status.CANCELLED, cancelled_at__gt=F("start") - cutoff),
            ),
            booked=Sum(
                ExpressionWrapper(F("end") - F("start"), output_field=DurationField()),
                filter=live,
            ),
        )
        .order_by("k")
    )
    rows: dict[object, Row] = {}
    for c in counts:
        row = rows[c["k"]] = Row(key=c["k"], label="")
        for name in ("total", "online", "phone", "staff", "cancelled", "no_show", "late_cancel"):
            setattr(row, name, c[name])
        row.booked_minutes = _minutes(c["booked"])
    _new_and_returning(rows, visits.filter(live), grouping, tz)
    _lead_times(rows, visits.filter(live), grouping, tz)
    _reminders(rows, start, end, grouping, tz)
    _rebooking(rows, start, end, grouping, tz)
    if grouping != "type":
        _working_minutes(rows, first_day, last_day, grouping, tz)
    _labels(rows, grouping)
    report = Report(first_day=first_day, last_day=last_day, grouping=grouping)
    report.rows = sorted(rows.values(), key=lambda r: r.label if grouping != "week" else r.key)
    return report


def _new_and_returning(rows, live_visits, grouping, tz) -> None:
    """New: the period's visits without an earlier one of the same patient; returning: the
    rest of the live visits. In WHERE, NOT EXISTS is an anti-join the planner can hash."""
    first_visits = (
        _keyed(live_visits.filter(~Exists(_earlier_visit())), grouping, tz)
        .values("k")
        .annotate(new=Count("pk"))
        .order_by()
    )
    new = {c["k"]: c["new"] for c in first_visits}
    for key, row in rows.items():
        row.new = new.get(key, 0)
        row.returning = row.total - row.cancelled - row.new


def _lead_times(rows, live_visits, grouping, tz) -> None:
    """The median lead time of each group, as statistics.median would give it over every visit:
    the database ranks each group's lead times and sends only the middle one (odd count) or two
    (even count); their mean, in days, is the median."""
    lead = ExpressionWrapper(F("start") - F("created_at"), output_field=DurationField())
    ranked = (
        _keyed(live_visits, grouping, tz)
        .annotate(lead=lead)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("k")], order_by=F("lead").asc()),
            size=Window(Count("pk"), partition_by=[F("k")]),
        )
        # The middle ranks: (n + 1) // 2 and (n + 2) // 2, one rank when n is odd.
        .filter(rank__gte=(F("size") + 1) / 2, rank__lte=(F("size") + 2) / 2)
        .values_list("k", "lead")
        .order_by()
    )
    middles: dict[object, list[float]] = defaultdict(list)
    for key, value in ranked:
        middles[key].append(value.total_seconds() / 86400)
    for key, values in middles.items():
        if key in rows:
            rows[key].lead_days = round(statistics.median(values), 1)


def _reminders(rows, start, end, grouping, tz) -> None:
    """Driven from the period's visits (the `start` index), each probing the ledger for its
    reminders through the index of reminders by appointment and status (message_reminder_of).
    Counting that column, with the two statuses in the index too, a probe need not read the
    table, so the planner takes this over hashing the whole ledger (200,000 rows at three
    years of 50 practitioners, for a week's 1,200). COUNT(*) would do, but Django refuses a
    filtered one."""
    Sent, Failed = OutboundMessage.Status.SENT, OutboundMessage.Status.FAILED
    messages = OutboundMessage.objects.filter(
        kind=OutboundMessage.Kind.REMINDER,
        appointment__start__gte=start,
        appointment__start__lt=end,
    )
    for c in (
        _keyed(messages, grouping, tz, prefix="appointment__")
        .values("k")
        .annotate(
            sent=Count("appointment", filter=Q(status=Sent) & ~NOT_DELIVERED),
            failed=Count("appointment", filter=Q(status=Failed) | NOT_DELIVERED),
        )
        .order_by("k")
    ):
        if c["k"] in rows:
            rows[c["k"]].reminders_sent += c["sent"]
            rows[c["k"]].reminders_failed += c["failed"]


def _rebooking(rows, start, end, grouping, tz) -> None:
    """The waitlist's own figure (booking/waitlist/figures.py), grouped like the visits: a hold
    has the freed visit's start, practitioner and type. Holds are few: one query, median here."""
    holds = rebooked_holds().filter(start__gte=start, start__lt=end)
    medians = median_rebooking_by(
        _keyed(holds, grouping, tz).values_list("k", "freed_at", "ended_at").order_by()
    )
    for key, gap in medians.items():
        if key in rows:
            rows[key].rebooking_hours = round(gap.total_seconds() / 3600, 1)


def _working_minutes(rows, first_day, last_day, grouping, tz) -> None:
    """Weekly hours over the period, less time off and closures: three queries, then days
    (the hours filed by weekday, so a day looks only at its own)."""
    hours: dict[int, dict[int, list[HoursRow]]] = defaultdict(lambda: defaultdict(list))
    for pid, *row in WorkingHours.objects.filter(practitioner__active=True).values_list(
        "practitioner_id", "weekday", "start_time", "end_time", "valid_from", "valid_until"
    ):
        hours[pid][row[0]].append(HoursRow(*row))
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
    # Practitioners mostly share their hours: a day's (start, end) is turned into instants once.
    spans: dict[tuple, tuple[datetime, datetime, float]] = {}
    day = first_day
    while day <= last_day:
        if not any(a <= day <= b for a, b in closures):
            weekday, week = day.weekday(), _week_start(day)
            for pid, by_weekday in hours.items():
                row = rows.get(week if grouping == "week" else pid)
                if row is None:
                    continue
                for r in by_weekday.get(weekday, ()):
                    if not r.applies_on(day):
                        continue
                    span = spans.get((day, r.start, r.end))
                    if span is None:
                        s, e = local_instant(day, r.start, tz), local_instant(day, r.end, tz)
                        span = spans[day, r.start, r.end] = (s, e, (e - s).total_seconds() / 60)
                    s, e, minutes = span
                    if time_off.get(pid):
                        minutes -= sum(
                            max(0.0, (min(e, b) - max(s, a)).total_seconds() / 60)
                            for a, b in time_off[pid]
                        )
                    row.working_minutes = (row.working_minutes or 0) + minutes
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
