"""The manager's reports: figures by week, practitioner and type, their definitions, charts
with a title, a description and a table, CSV exports, who may open it, hostile input."""

import csv
import io
from datetime import time, timedelta
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from booking.models import (
    Appointment,
    ClinicClosure,
    OutboundMessage,
    TimeOff,
    WaitlistHold,
    WorkingHours,
)
from booking.reports.selectors import report_build
from clinic.charts import BarSeries, bar_chart, bar_chart_table
from tests.booking.backoffice.conftest import at
from tests.factories import AppointmentFactory, PatientFactory, PractitionerFactory

pytestmark = pytest.mark.django_db
URL = "/admin/booking/appointment/reports/"


def _past_weekday(weeks_ago: int, weekday: int = 1):
    day = timezone.localdate() - timedelta(weeks=weeks_ago)
    return day - timedelta(days=(day.weekday() - weekday) % 7)


@pytest.fixture
def visits(frontdesk):
    day = _past_weekday(2)
    patient = PatientFactory(full_name="Maria Gomez")
    make = lambda **kw: AppointmentFactory(  # noqa: E731
        consultation_type=frontdesk["short"], practitioner=frontdesk["patel"], **kw
    )
    first = make(
        patient=patient,
        start=at(day, 9),
        source=Appointment.Source.ONLINE,
        status=Appointment.Status.COMPLETED,
    )
    make(
        patient=patient,
        start=at(day, 10),
        source=Appointment.Source.PHONE,
        status=Appointment.Status.NO_SHOW,
    )
    make(
        start=at(day, 11),
        source=Appointment.Source.ADMIN,
        status=Appointment.Status.CANCELLED,
        cancelled_at=at(day, 11) - timedelta(hours=1),
    )
    Appointment.objects.filter(pk=first.pk).update(created_at=at(day, 9) - timedelta(days=4))
    OutboundMessage.objects.create(
        patient=patient,
        appointment=first,
        kind=OutboundMessage.Kind.REMINDER,
        scheduled_for=at(day, 8),
        status=OutboundMessage.Status.SENT,
    )
    return day


def test_figures_by_week(visits):
    report = report_build(first_day=visits, last_day=visits, grouping="week")
    (row,) = report.rows
    assert (row.total, row.online, row.phone, row.staff) == (3, 1, 1, 1)
    assert row.no_show == 1
    assert row.no_show_rate == 50
    assert row.late_cancel == 1
    assert row.booked_minutes == 60
    assert row.working_minutes == 7 * 60 * 2  # two clinicians, 7 hours that Tuesday
    assert (row.new, row.returning) == (1, 1)
    assert row.reminders_sent == 1
    assert row.lead_days is not None


def test_working_minutes_less_time_off_closures_and_ended_hours(visits, frontdesk):
    """Working minutes of a whole week, by week and by practitioner: two clinicians sharing
    their hours (one with time off), one whose hours end mid-week, one inactive, a closed day."""
    monday = visits - timedelta(days=visits.weekday())
    hours = [(d, time(9), time(12)) for d in range(5)] + [(d, time(13), time(17)) for d in range(5)]
    lee = PractitionerFactory(display_name="Dr Lee", weekly_hours=hours)
    WorkingHours.objects.filter(practitioner=lee).update(valid_until=monday + timedelta(days=2))
    PractitionerFactory(display_name="Dr Gone", weekly_hours=hours, active=False)
    okafor = frontdesk["okafor"]
    TimeOff.objects.create(practitioner=okafor, start=at(visits, 10), end=at(visits, 11, 30))
    ClinicClosure.objects.create(
        name="Holiday", start_date=monday + timedelta(days=3), end_date=monday + timedelta(days=3)
    )
    for practitioner in (okafor, lee):
        AppointmentFactory(
            consultation_type=frontdesk["short"], practitioner=practitioner, start=at(monday, 9)
        )
    sunday = monday + timedelta(days=6)
    # Monday to Friday but the closed Thursday: 4 days of 7 hours; Dr Lee's end on Wednesday.
    patel, okafor_minutes, lee_minutes = 4 * 420, 4 * 420 - 90, 3 * 420
    (week,) = report_build(first_day=monday, last_day=sunday, grouping="week").rows
    assert week.working_minutes == patel + okafor_minutes + lee_minutes
    by_p = report_build(first_day=monday, last_day=sunday, grouping="practitioner")
    assert {r.label: r.working_minutes for r in by_p.rows} == {
        "Dr Patel": patel,
        "Dr Okafor": okafor_minutes,
        "Dr Lee": lee_minutes,
    }


def test_figures_by_practitioner_and_type(visits, frontdesk):
    by_p = report_build(first_day=visits, last_day=visits, grouping="practitioner")
    assert [r.label for r in by_p.rows] == ["Dr Patel"]
    by_t = report_build(first_day=visits, last_day=visits, grouping="type")
    assert [r.label for r in by_t.rows] == ["Follow-up"]
    assert by_t.rows[0].working_minutes is None


def test_page_for_the_manager_only_with_definitions_charts_and_tables(client, frontdesk, visits):
    for user in ("reception", "patel_user"):
        client.force_login(frontdesk[user])
        assert client.get(URL).status_code == 403
    client.force_login(frontdesk["manager"])
    for group in ("week", "practitioner", "type"):
        body = client.get(
            URL, {"group": group, "from": (visits - timedelta(days=3)).isoformat()}
        ).content.decode()
        assert body.count("<svg") >= 5
        assert "Definition:" in body
        assert "<desc" in body
        assert "<caption>" in body


def test_csv_export_of_each_table(client, frontdesk, visits):
    client.force_login(frontdesk["manager"])
    keys = ("sources", "lead_time", "attendance", "utilisation", "patients", "reminders")
    for key in (*keys, "rebooking"):
        response = client.get(
            URL, {"group": "practitioner", "from": visits.isoformat(), "csv": key}
        )
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0][0] == "practitioner"
        assert rows[1][0] == "Dr Patel"


@pytest.mark.parametrize(
    "query",
    [
        {"from": "x"},
        {"to": "9999-12-31"},
        {"from": "٢٠٢٦-٠١-٠١"},
        {"group": "nope"},
        {"from": "2020-01-01", "to": "2026-01-01"},
        {"from": "2026-06-01", "to": "2026-01-01"},
        {"csv": "nope"},
    ],
)
def test_hostile_report_input_is_a_message_never_a_500(client, frontdesk, query):
    client.force_login(frontdesk["manager"])
    assert client.get(URL, query).status_code == 200


def _hold(frontdesk, start, *, freed_hours_before=48, took_minutes=90, status="taken"):
    freed = start - timedelta(hours=freed_hours_before)
    return WaitlistHold.objects.create(
        consultation_type=frontdesk["short"],
        practitioner=frontdesk["patel"],
        start=start,
        end=start + timedelta(minutes=30),
        occupied_start=start,
        occupied_end=start + timedelta(minutes=30),
        status=status,
        held_until=freed + timedelta(minutes=took_minutes),
        freed_at=freed,
        ended_at=freed + timedelta(minutes=took_minutes),
    )


def test_time_from_freed_slot_to_rebooking(client, frontdesk, visits):
    _hold(frontdesk, at(visits, 9), took_minutes=90)
    _hold(frontdesk, at(visits, 10), took_minutes=150)
    _hold(frontdesk, at(visits, 11), took_minutes=600, status=WaitlistHold.Status.RELEASED)
    _hold(frontdesk, at(visits - timedelta(days=20), 9), took_minutes=900)  # before the period
    for grouping in ("week", "practitioner", "type"):
        (row,) = report_build(first_day=visits, last_day=visits, grouping=grouping).rows
        assert row.rebooking_hours == 2.0  # the median of 1.5 h and 2.5 h; released: not counted
    client.force_login(frontdesk["manager"])
    body = client.get(URL, {"from": visits.isoformat(), "to": visits.isoformat()}).content.decode()
    assert "Time from a freed slot to rebooking" in body
    assert "released to public booking are not counted" in body  # its definition


def test_rebooking_is_empty_without_the_waitlist(visits):
    (row,) = report_build(first_day=visits, last_day=visits, grouping="week").rows
    assert row.rebooking_hours is None


@pytest.mark.parametrize("holds", [1, 12])
def test_query_count_is_fixed(client, frontdesk, visits, holds, django_assert_max_num_queries):
    for n in range(holds):
        _hold(frontdesk, at(visits - timedelta(days=n), 14), took_minutes=30 + n)
    client.force_login(frontdesk["manager"])
    client.get(URL)  # warm the session and the profile
    with django_assert_max_num_queries(13):
        client.get(URL, {"group": "week", "from": (visits - timedelta(days=30)).isoformat()})


def test_chart_is_accessible_svg_and_escapes_text():
    svg = bar_chart(
        chart_id="c1",
        title="A <b>",
        description="D & E",
        labels=["x<y"],
        series=[BarSeries('S"1', (3,)), BarSeries("S2", (None,))],
        unit="%",
    )
    root = ElementTree.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    assert root.find(f"{ns}title").text == "A <b>"
    assert root.find(f"{ns}desc").text == "D & E"
    assert bar_chart_table(labels=["x"], series=[BarSeries("S", (None,))]) == (
        ["", "S"],
        [["x", "–"]],
    )
    assert bar_chart(chart_id="e", title="t", description="d", labels=[], series=[])
