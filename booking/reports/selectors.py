"""The manager's figures for a period, grouped by week, practitioner or consultation type, in a
fixed number of queries (the counts are aggregated by the database; only the lead times and
the working hours are summed here). Each figure's definition is in DEFINITIONS, shown on the
page beside it."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    Q,
    Sum,
)
from django.db.models.functions import TruncDate

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
    """Annotate the group key: the local day (folded to weeks here), practitioner or type."""
    if grouping == "week":
        return qs.annotate(k=TruncDate(f"{prefix}start", tzinfo=tz))
    if grouping == "practitioner":
        return qs.annotate(k=F(f"{prefix}practitioner_id"))
    return qs.annotate(k=F(f"{prefix}consultation_type_id"))


def _fold(key, grouping: str):
    return _week_start(key) if grouping == "week" else key


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
        row = rows.setdefault(_fold(c["k"], grouping), Row(key=_fold(c["k"], grouping), label=""))
        for name in ("total", "online", "phone", "staff", "cancelled", "no_show", "late_cancel"):
            setattr(row, name, getattr(row, name) + c[name])
        row.booked_minutes += _minutes(c["booked"])
    _lead_times(rows, visits.filter(live), grouping, tz)
    _reminders(rows, start, end, grouping, tz)
    if grouping != "type":
        _working_minutes(rows, first_day, last_day, grouping, tz)
    _labels(rows, grouping)
    report = Report(first_day=first_day, last_day=last_day, grouping=grouping)
    report.rows = sorted(rows.values(), key=lambda r: r.label if grouping != "week" else r.key)
    return report


def _lead_times(rows, live_visits, grouping, tz) -> None:
    """Median lead time and new/returning per group: two queries, the patients' first visits
    (a GROUP BY, not a subquery per visit) and the period's (key, start, created_at, patient)."""
    first_visit = dict(
        Appointment.objects.exclude(status=Status.CANCELLED)
        .filter(patient_id__in=live_visits.values("patient_id"))
        .values("patient_id")
        .annotate(first=Min("start"))
        .values_list("patient_id", "first")
        .order_by()
    )
    leads: dict[object, list[float]] = defaultdict(list)
    for key, visit_start, created, patient_id in _keyed(live_visits, grouping, tz).values_list(
        "k", "start", "created_at", "patient_id"
    ):
        key = _fold(key, grouping)
        leads[key].append((visit_start - created).total_seconds() / 86400)
        if key in rows:
            if first_visit.get(patient_id) == visit_start:
                rows[key].new += 1
            else:
                rows[key].returning += 1
    for key, values in leads.items():
        if key in rows:
            rows[key].lead_days = round(statistics.median(values), 1)


def _reminders(rows, start, end, grouping, tz) -> None:
    messages = OutboundMessage.objects.filter(
        kind=OutboundMessage.Kind.REMINDER,
        appointment__start__gte=start,
        appointment__start__lt=end,
    )
    for c in (
        _keyed(messages, grouping, tz, prefix="appointment__")
        .values("k")
        .annotate(
            sent=Count("pk", filter=Q(status=OutboundMessage.Status.SENT) & ~NOT_DELIVERED),
            failed=Count("pk", filter=Q(status=OutboundMessage.Status.FAILED) | NOT_DELIVERED),
        )
        .order_by("k")
    ):
        key = _fold(c["k"], grouping)
        if key in rows:
            rows[key].reminders_sent += c["sent"]
            rows[key].reminders_failed += c["failed"]


def _working_minutes(rows, first_day, last_day, grouping, tz) -> None:
    """Weekly hours over the period, less time off and closures: three queries, then days."""
    hours: dict[int, list[HoursRow]] = defaultdict(list)
    for pid, *row in WorkingHours.objects.filter(practitioner__active=True).values_list(
        "practitioner_id", "weekday", "start_time", "end_time", "valid_from", "valid_until"
    ):
        hours[pid].append(HoursRow(*row))
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
    day = first_day
    while day <= last_day:
        if not any(a <= day <= b for a, b in closures):
            for pid, rows_of in hours.items():
                key = _week_start(day) if grouping == "week" else pid
                if key not in rows:
                    continue
                for r in rows_of:
                    if not r.applies_on(day):
                        continue
                    s, e = local_instant(day, r.start, tz), local_instant(day, r.end, tz)
                    off = sum(
                        max(0.0, (min(e, b) - max(s, a)).total_seconds() / 60)
                        for a, b in time_off.get(pid, ())
                    )
                    minutes = (e - s).total_seconds() / 60 - off
                    rows[key].working_minutes = (rows[key].working_minutes or 0) + minutes
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
