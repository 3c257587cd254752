"""The reports' SQL against a straightforward Python computation of every figure, on a mixed
data set: visits before, in and after the period, a DST change inside it, visits near local
midnight (another UTC day), cancelled first visits, a patient with two visits at one time, odd
and even group sizes, lead times with seconds and microseconds (some negative: staff logging a
walk-in after the fact). Runs on SQLite and on PostgreSQL (CI runs the suite on both)."""

import random
import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from booking.models import Appointment, OutboundMessage
from booking.models.messages import UNDELIVERED_STATUSES
from booking.profile import clinic_profile_get
from booking.reports.selectors import report_build
from booking.scheduling.clock import clinic_zone
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

Status = Appointment.Status
# Monday 2 to Sunday 22 March 2026; New York springs forward on Sunday 8 March.
FIRST_DAY, LAST_DAY = date(2026, 3, 2), date(2026, 3, 22)


@pytest.fixture
def mixed(frontdesk):
    rng = random.Random(1515)
    tz = clinic_zone()
    patients = [PatientFactory() for _ in range(60)]
    types = [frontdesk["short"], frontdesk["long"]]
    statuses = [Status.COMPLETED] * 5 + [Status.NO_SHOW, Status.CANCELLED, Status.CONFIRMED] * 2
    sources = list(Appointment.Source.values)
    visits = []
    for practitioner in (frontdesk["patel"], frontdesk["okafor"]):
        # Every 90 minutes round the clock from 1 February to 10 April: a practitioner's visits
        # never overlap, and some start late in the evening (the next day in UTC).
        base = datetime(2026, 2, 1, 0, 15, tzinfo=tz)
        for slot in sorted(rng.sample(range(70 * 16), 150)):
            start = base + timedelta(minutes=90 * slot)
            kind = rng.choice(types)
            status = rng.choice(statuses)
            visits.append(
                Appointment(
                    consultation_type=kind,
                    practitioner=practitioner,
                    patient=rng.choice(patients),
                    start=start,
                    end=start + timedelta(minutes=kind.duration_minutes),
                    occupied_start=start,
                    occupied_end=start + timedelta(minutes=kind.duration_minutes),
                    status=status,
                    source=rng.choice(sources),
                    contact_name="x",
                    contact_email="x@example.com",
                    cancelled_at=(
                        start - timedelta(hours=rng.randint(1, 72))
                        if status == Status.CANCELLED
                        else None
                    ),
                )
            )
    # The same patient with both clinicians at one time: both visits are their first.
    twin = PatientFactory()
    for practitioner in (frontdesk["patel"], frontdesk["okafor"]):
        start = datetime(2026, 3, 10, 7, 40, tzinfo=tz)
        visits.append(
            Appointment(
                consultation_type=frontdesk["short"],
                practitioner=practitioner,
                patient=twin,
                start=start,
                end=start + timedelta(minutes=20),
                occupied_start=start,
                occupied_end=start + timedelta(minutes=20),
                contact_name="x",
                contact_email="x@example.com",
            )
        )
    made = Appointment.objects.bulk_create(visits)
    for visit in made:  # created_at is auto_now_add; bulk_update sets it as given
        visit.created_at = visit.start - timedelta(
            seconds=rng.randint(-7200, 40 * 86400), microseconds=rng.randint(0, 999_999)
        )
    Appointment.objects.bulk_update(made, ["created_at"])
    # Reminders: none, an email, or an email and a text (two rows for one visit); some texts
    # the carrier reported undelivered (counted as failed) or delivered.
    OutboundMessage.objects.bulk_create(
        OutboundMessage(
            patient_id=visit.patient_id,
            appointment=visit,
            kind=OutboundMessage.Kind.REMINDER,
            scheduled_for=visit.start - timedelta(hours=24),
            status=rng.choice(list(OutboundMessage.Status.values)),
            channel=channel,
            delivery_status=rng.choice(["", "delivered", *UNDELIVERED_STATUSES])
            if channel == OutboundMessage.Channel.SMS
            else "",
        )
        for visit in made
        for channel in OutboundMessage.Channel.values[: rng.choice([0, 1, 1, 2])]
    )


def _reference(grouping: str) -> dict:
    """Every figure, computed the long way: one visit at a time, in Python."""
    cutoff = timedelta(hours=clinic_profile_get().cancellation_cutoff_hours)
    visits = list(Appointment.objects.all())
    live = [v for v in visits if v.status != Status.CANCELLED]

    def key(visit):
        day = timezone.localdate(visit.start)
        if grouping == "week":
            return day - timedelta(days=day.weekday())
        return visit.practitioner_id if grouping == "practitioner" else visit.consultation_type_id

    figures: dict = defaultdict(lambda: defaultdict(int))
    leads: dict = defaultdict(list)
    for v in visits:
        if not FIRST_DAY <= timezone.localdate(v.start) <= LAST_DAY:
            continue
        row = figures[key(v)]
        row["total"] += 1
        row[{"online": "online", "phone": "phone", "admin": "staff"}[v.source]] += 1
        row["cancelled"] += v.status == Status.CANCELLED
        row["no_show"] += v.status == Status.NO_SHOW
        row["late_cancel"] += v.status == Status.CANCELLED and v.cancelled_at > v.start - cutoff
        if v.status != Status.CANCELLED:
            row["booked_minutes"] += (v.end - v.start).total_seconds() / 60
            earlier = any(o.patient_id == v.patient_id and o.start < v.start for o in live)
            row["returning" if earlier else "new"] += 1
            leads[key(v)].append((v.start - v.created_at).total_seconds() / 86400)
    for message in OutboundMessage.objects.select_related("appointment"):
        v = message.appointment
        if FIRST_DAY <= timezone.localdate(v.start) <= LAST_DAY:
            undelivered = message.delivery_status in UNDELIVERED_STATUSES
            figures[key(v)]["reminders_sent"] += (
                message.status == OutboundMessage.Status.SENT and not undelivered
            )
            figures[key(v)]["reminders_failed"] += (
                message.status == OutboundMessage.Status.FAILED or undelivered
            )
    for k, values in leads.items():
        figures[k]["lead_days"] = round(statistics.median(values), 1)
    return {k: dict(v) for k, v in figures.items()}


FIELDS = [
    *("total", "online", "phone", "staff", "cancelled", "no_show", "late_cancel"),
    *("booked_minutes", "new", "returning", "lead_days", "reminders_sent", "reminders_failed"),
]


@pytest.mark.parametrize("grouping", ["week", "practitioner", "type"])
def test_every_figure_matches_a_visit_by_visit_computation(mixed, grouping):
    expected = _reference(grouping)
    report = report_build(first_day=FIRST_DAY, last_day=LAST_DAY, grouping=grouping)
    got = {
        row.key: {name: getattr(row, name) for name in FIELDS if getattr(row, name)}
        for row in report.rows
    }
    assert got == {k: {n: v for n, v in row.items() if v} for k, row in expected.items()}


def test_the_data_set_is_as_mixed_as_it_claims(mixed):
    sizes = [
        row.total - row.cancelled
        for grouping in ("week", "practitioner", "type")
        for row in report_build(first_day=FIRST_DAY, last_day=LAST_DAY, grouping=grouping).rows
    ]
    assert {size % 2 for size in sizes} == {0, 1}  # medians of one middle value and of two
    visits = Appointment.objects.filter(start__date__gte=FIRST_DAY, start__date__lte=LAST_DAY)
    assert any(v.created_at > v.start for v in visits)
    assert any(timezone.localdate(v.start) != v.start.astimezone(UTC).date() for v in visits)
    assert {v.status for v in visits} == set(Status.values) - {Status.REQUESTED, Status.ARRIVED}
    report = report_build(first_day=FIRST_DAY, last_day=LAST_DAY, grouping="type")
    assert all(row.new and row.returning for row in report.rows)
    reminders = OutboundMessage.objects.filter(appointment__in=visits)
    assert reminders.filter(channel=OutboundMessage.Channel.SMS).exists()  # two for a visit
    assert reminders.filter(
        status=OutboundMessage.Status.SENT, delivery_status__in=UNDELIVERED_STATUSES
    ).exists()


def test_twin_visits_at_one_time_are_both_new(mixed):
    report = report_build(first_day=date(2026, 3, 10), last_day=date(2026, 3, 10), grouping="type")
    expected = _reference_day(date(2026, 3, 10))
    assert expected >= 2
    assert sum(row.new for row in report.rows) == expected


def _reference_day(day: date) -> int:
    live = [v for v in Appointment.objects.all() if v.status != Status.CANCELLED]
    return sum(
        1
        for v in live
        if timezone.localdate(v.start) == day
        and not any(o.patient_id == v.patient_id and o.start < v.start for o in live)
    )
