"""The period's visits counted in one pass: sources, statuses, late cancellations, booked time,
new patients, the middle lead times of each group and, on PostgreSQL, the visits' reminders.

They were four queries (counts, the new patients' anti-join, the ranked lead times, the
reminders), each reading the period's visits again, computing each visit's group key again (a
time-zone conversion per row for weeks) and being parsed and planned again. Now the ORM writes
the per-visit query (the group key in the clinic's zone, the visit's flags, whether it is the
patient's first) and the database sums it once. What remains per visit is two index probes:
the patient's earlier visit (appointment_patient_live) and the visit's reminders
(message_reminder_of), each read from the index alone.

What the two databases say differently is in the outer query: PostgreSQL takes each group's two
middle lead times with ordered-set aggregates (no window sort of every row) and probes the
ledger in the same pass (LATERAL); SQLite has neither, so it ranks the lead times with window
functions and counts the reminders in a query of their own."""

from __future__ import annotations

from contextlib import nullcontext

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber, Trunc

from booking.models import Appointment, OutboundMessage
from booking.models.messages import UNDELIVERED_STATUSES

Status = Appointment.Status
Source = Appointment.Source
COUNTED = ("total", "online", "phone", "staff", "cancelled", "no_show", "late_cancel", "new")
# Texts the provider took but could not deliver (its status callback): not a reminder received.
NOT_DELIVERED = Q(delivery_status__in=UNDELIVERED_STATUSES)

_SUMS = """SELECT visit.k, COUNT(*), SUM(visit.online), SUM(visit.phone), SUM(visit.staff),
    SUM(visit.cancelled), SUM(visit.no_show), SUM(visit.late_cancel), SUM(visit.new),
    SUM(visit.booked)"""

# The two middle lead times of a group's live visits, the same value when their number is odd:
# percentile_disc(0.5) is the lower middle in ascending order, and the upper in descending.
# A reminder probe reads message_reminder_of alone: partial on the kind, the statuses as keys.
_POSTGRESQL = (
    _SUMS
    + """,
    percentile_disc(0.5) WITHIN GROUP (ORDER BY visit.lead) FILTER (WHERE visit.live = 1),
    percentile_disc(0.5) WITHIN GROUP (ORDER BY visit.lead DESC) FILTER (WHERE visit.live = 1),
    SUM(reminder.sent), SUM(reminder.failed)
FROM ({visits}) visit
LEFT JOIN LATERAL (
    SELECT COUNT(*) FILTER (WHERE m.status = %s AND m.delivery_status <> ALL(%s)) AS sent,
        COUNT(*) FILTER (WHERE m.status = %s OR m.delivery_status = ANY(%s)) AS failed
    FROM {ledger} m
    WHERE m.appointment_id = visit.id AND m.kind = %s
) reminder ON TRUE
GROUP BY visit.k
ORDER BY visit.k"""
)

# The middle ranks of a group's live visits are (n + 1) // 2 and (n + 2) // 2, one rank when n
# is odd: their lead times come back as the smallest and the largest.
_MIDDLE = (
    "visit.live = 1 AND visit.lead_rank >= (visit.lead_size + 1) / 2"
    " AND visit.lead_rank <= (visit.lead_size + 2) / 2"
)
_RANKED = (
    _SUMS
    + f""",
    MIN(CASE WHEN {_MIDDLE} THEN visit.lead END), MAX(CASE WHEN {_MIDDLE} THEN visit.lead END)
FROM ({{visits}}) visit
GROUP BY visit.k
ORDER BY visit.k"""
)


def keyed(qs: QuerySet, grouping: str, tz, prefix: str = "") -> QuerySet:
    """Annotate the group key: the Monday of the visit's local week, practitioner or type."""
    if grouping == "week":
        return qs.annotate(k=Trunc(f"{prefix}start", "week", output_field=DateField(), tzinfo=tz))
    if grouping == "practitioner":
        return qs.annotate(k=F(f"{prefix}practitioner_id"))
    return qs.annotate(k=F(f"{prefix}consultation_type_id"))


def earlier_visit() -> QuerySet:
    """A visit of the same patient, not cancelled, that starts before this one (at any time,
    before the period too): a visit without one is the patient's first, i.e. new. The probe
    reads the partial index appointment_patient_live alone."""
    return Appointment.objects.filter(
        patient_id=OuterRef("patient_id"), start__lt=OuterRef("start")
    ).exclude(status=Status.CANCELLED)


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _per_visit(visits: QuerySet, grouping: str, tz, cutoff, *, ranked: bool) -> QuerySet:
    live = ~Q(status=Status.CANCELLED)
    cancelled = Q(status=Status.CANCELLED)
    per_visit = keyed(visits, grouping, tz).annotate(
        live=_flag(live),
        online=_flag(Q(source=Source.ONLINE)),
        phone=_flag(Q(source=Source.PHONE)),
        staff=_flag(Q(source=Source.ADMIN)),
        cancelled=_flag(cancelled),
        no_show=_flag(Q(status=Status.NO_SHOW)),
        late_cancel=_flag(cancelled & Q(cancelled_at__gt=F("start") - cutoff)),
        # Probed for live visits only: a cancelled visit is neither new nor returning.
        new=_flag(live & ~Exists(earlier_visit())),
        booked=Case(
            When(live, then=ExpressionWrapper(F("end") - F("start"), output_field=DurationField())),
            output_field=DurationField(),
        ),
        lead=ExpressionWrapper(F("start") - F("created_at"), output_field=DurationField()),
    )
    columns = ["id", "k", "live", *COUNTED[1:], "booked", "lead"]
    if ranked:
        by_group = [F("k"), F("live")]
        per_visit = per_visit.annotate(
            lead_rank=Window(RowNumber(), partition_by=by_group, order_by=F("lead").asc()),
            lead_size=Window(Count("pk"), partition_by=by_group),
        )
        columns += ["lead_rank", "lead_size"]
    return per_visit.values(*columns).order_by()


def visit_totals(visits: QuerySet, grouping: str, tz, cutoff) -> list[dict]:
    """Each group's counts, booked time (a duration, or microseconds on SQLite), middle lead
    times (`lead_low`, `lead_high`: equal when the group's live visits are odd in number; None
    without one) and reminders sent and failed, in the order of the group key."""
    postgresql = connection.vendor == "postgresql"
    per_visit = _per_visit(visits, grouping, tz, cutoff, ranked=not postgresql)
    sql, params = per_visit.query.sql_with_params()
    if postgresql:
        Sent, Failed = OutboundMessage.Status.SENT, OutboundMessage.Status.FAILED
        undelivered = [str(status) for status in UNDELIVERED_STATUSES]
        query = _POSTGRESQL.format(
            visits=sql, ledger=connection.ops.quote_name(OutboundMessage._meta.db_table)
        )
        params = (*params, Sent, undelivered, Failed, undelivered, OutboundMessage.Kind.REMINDER)
    else:
        query = _RANKED.format(visits=sql)
    key, lead = per_visit.query.annotations["k"], per_visit.query.annotations["lead"]
    # PostgreSQL only: on SQLite a transaction begins IMMEDIATE, taking the write lock.
    in_transaction = transaction.atomic(savepoint=False) if postgresql else nullcontext()
    with in_transaction, connection.cursor() as cursor:
        if postgresql:
            # A year of visits costs the planner past jit_above_cost, and compiling the query
            # (24 functions, inlined and optimised) took 0.5 s, longer than running it.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(query, params)
        rows = cursor.fetchall()
    totals = []
    for k, *counts, booked, low, high in (row[:12] for row in rows):
        totals.append(
            {
                "k": _convert(k, key),
                **{name: int(n) for name, n in zip(COUNTED, counts, strict=True)},
                "booked": booked,
                "lead_low": _convert(low, lead),
                "lead_high": _convert(high, lead),
            }
        )
    if postgresql:
        for total, row in zip(totals, rows, strict=True):
            # SUM of a count is numeric in PostgreSQL: a Decimal to Python.
            total["reminders_sent"], total["reminders_failed"] = int(row[12]), int(row[13])
    else:
        _count_reminders(totals, visits, grouping, tz)
    return totals


def _count_reminders(totals: list[dict], visits: QuerySet, grouping: str, tz) -> None:
    """SQLite: the period's reminders by group, a query of their own."""
    Sent, Failed = OutboundMessage.Status.SENT, OutboundMessage.Status.FAILED
    messages = OutboundMessage.objects.filter(
        kind=OutboundMessage.Kind.REMINDER, appointment__in=visits.values("pk")
    )
    counted = {
        c["k"]: c
        for c in keyed(messages, grouping, tz, prefix="appointment__")
        .values("k")
        .annotate(
            sent=Count("pk", filter=Q(status=Sent) & ~NOT_DELIVERED),
            failed=Count("pk", filter=Q(status=Failed) | NOT_DELIVERED),
        )
        .order_by()
    }
    for total in totals:
        c = counted.get(total["k"], {})
        total["reminders_sent"], total["reminders_failed"] = c.get("sent", 0), c.get("failed", 0)


def _convert(value, expression):
    """What the ORM would make of this column: a week's Monday comes back from SQLite as text,
    a duration as microseconds."""
    if value is None:
        return None
    converters = connection.ops.get_db_converters(expression)
    for convert in converters + expression.get_db_converters(connection):
        value = convert(value, expression, connection)
    return value
