"""The grid's <table> built in Python (grid_html.py): the templates' markup, cell by cell, and
every name escaped as the templates' autoescaping did."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.models import Appointment, Intake
from tests.booking.backoffice.conftest import at
from tests.factories import (
    AppointmentFactory,
    ClinicClosureFactory,
    ConsultationTypeFactory,
    TimeOffFactory,
    next_weekday,
)

pytestmark = pytest.mark.django_db


def _grid(client, day, **extra) -> str:
    """The page's table, whitespace collapsed (the markup, not its indentation, is pinned)."""
    response = client.get(reverse("admin:booking_schedule_day"), {"date": day.isoformat(), **extra})
    assert response.status_code == 200
    body = response.content.decode()
    start = body.index('<table class="schedule-grid')
    table = body[start : body.index("</table>", start) + len("</table>")]
    return re.sub(r"\s+", " ", table)


def test_patient_type_and_time_off_names_are_escaped(client, frontdesk):
    day = next_weekday(1)
    frontdesk["patel"].display_name = "Dr O'Neil & <b>Sons</b>"
    frontdesk["patel"].save()
    AppointmentFactory(
        consultation_type=ConsultationTypeFactory(slug="odd", name="Knee <i>check</i>"),
        practitioner=frontdesk["patel"],
        start=at(day, 10),
        patient__full_name="<script>alert('x')</script>",
    )
    TimeOffFactory(
        practitioner=frontdesk["okafor"], start=at(day, 14), end=at(day, 15), reason="<b>Dentist"
    )
    client.force_login(frontdesk["reception"])
    grid = _grid(client, day)
    for raw in ("<script>", "<b>", "<i>"):
        assert raw not in grid
    assert (
        '<span class="block-patient">&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</span>'
        in grid
    )
    assert '<span class="block-type">Knee &lt;i&gt;check&lt;/i&gt;</span>' in grid
    assert '<th scope="col">Dr O&#x27;Neil &amp; &lt;b&gt;Sons&lt;/b&gt;</th>' in grid
    assert "Free, Dr O&#x27;Neil &amp; &lt;b&gt;Sons&lt;/b&gt;, " in grid
    assert '<td rowspan="4" class="cell cell-time_off">Time off: &lt;b&gt;Dentist</td>' in grid


def test_visit_cell_for_its_clinician_with_the_complaint(client, frontdesk):
    day = next_weekday(1)
    visit = AppointmentFactory(
        consultation_type=frontdesk["long"],
        practitioner=frontdesk["patel"],
        start=at(day, 10),
        patient__full_name="Maria Gomez",
    )
    Intake.objects.filter(appointment=visit).update(pain_score=7)
    client.force_login(frontdesk["patel_user"])
    link = f"/admin/booking/appointment/schedule/day/?date={day}&amp;panel={visit.pk}"
    palette = visit.consultation_type_id % 6
    assert (
        f'<td rowspan="4" class="cell cell-visit type-{palette} status-confirmed"> '
        f'<a href="{link}" hx-get="{link}" hx-target="#side-panel" hx-swap="innerHTML" '
        'class="visit-link"><span class="block-time">10:00–11:00</span> '
        '<span class="block-patient">Maria Gomez</span></a> '
        '<span class="block-type">Initial assessment</span> '
        '<span class="block-status status-text">Confirmed</span> '
        '<span class="block-note">Knee, 7/10 · questionnaire not done</span> </td>'
    ) in _grid(client, day)


def test_buffer_break_and_booking_links(client, frontdesk):
    day = next_weekday(1)
    buffered = ConsultationTypeFactory(
        slug="buffered", duration_minutes=30, buffer_before_minutes=15, buffer_after_minutes=15
    )
    AppointmentFactory(
        consultation_type=buffered, practitioner=frontdesk["okafor"], start=at(day, 10)
    )
    client.force_login(frontdesk["reception"])
    grid = _grid(client, day, practitioner=frontdesk["okafor"].pk)
    buffer = '<span class="visually-hidden">Buffer</span>'
    assert grid.count(f'<td rowspan="1" class="cell cell-buffer">{buffer}</td>') == 2
    assert '<td rowspan="4" class="cell cell-break">Break</td>' in grid
    assert (
        f'<td rowspan="1" class="cell cell-free"><a href="/admin/booking/appointment/book/'
        f"?practitioner={frontdesk['okafor'].pk}&amp;day={day}&amp;start={day}T09%3A15%3A00"
    ) in grid
    assert (
        f'class="free-link"><span aria-hidden="true">Free</span><span class="visually-hidden">'
        f"Free, Dr Okafor, {day:%A} 9:15</span></a></td>"
    ) in grid
    # A visit's link keeps the page's practitioner filter.
    assert f'&amp;practitioner={frontdesk["okafor"].pk}" hx-get=' in grid


def test_past_free_time_and_a_closure_conflict(client, frontdesk):
    past = timezone.localdate() - timedelta(days=7)
    while past.weekday() != 1:
        past -= timedelta(days=1)
    client.force_login(frontdesk["reception"])
    grid = _grid(client, past)
    assert "free-link" not in grid
    assert (
        '<td rowspan="1" class="cell cell-free"><span class="free-past">'
        '<span aria-hidden="true">Free</span>'
        f'<span class="visually-hidden">Free, Dr Patel, {past:%A} 9:00</span></span></td>'
    ) in grid

    closed = next_weekday(3)
    ClinicClosureFactory(name="Staff <training>", start_date=closed, end_date=closed)
    visit = AppointmentFactory(
        consultation_type=frontdesk["short"], practitioner=frontdesk["patel"], start=at(closed, 10)
    )
    Appointment.objects.filter(pk=visit.pk).update(status=Appointment.Status.REQUESTED)
    grid = _grid(client, closed)
    assert "Closed: Staff &lt;training&gt;</td>" in grid
    assert "status-requested cell-conflict" in grid
    assert '<span class="block-status status-text">Requested · needs moving</span>' in grid
