"""Choosing another time at the review step keeps every typed field, for any day."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
from django.urls import reverse

from booking.models import Appointment
from tests.factories import next_weekday_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limit")]

TYPED = {
    "full_name": "Maria Lopez-Öberg",
    "email": "maria@example.com",
    "phone": "(413) 555-0199",
    "date_of_birth": "1955-04-02",
    "joints": ["knee", "hip"],
    "note": 'Worse on stairs & "mornings" <3',
    "for_someone_else": "on",
    "booker_name": "Lucia Lopez",
    "reminders": "",  # unticked: an off box must stay off
    "privacy": "on",
    "website": "",
    "submission_key": "k" * 32,
}


def _hidden_fields(body: str) -> dict[str, list[str]]:
    """What the browser would post back: the page's hidden inputs (as the form renders them)."""
    fields: dict[str, list[str]] = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", body):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) != "csrfmiddlewaretoken":
            fields.setdefault(name.group(1), []).append(
                html.unescape(value.group(1) if value else "")
            )
    return fields


def _slot_buttons(body: str) -> list[str]:
    return [html.unescape(v) for v in re.findall(r'name="slot" value="([^"]*)"', body)]


@pytest.mark.parametrize("practitioner", ["any", "doctor"])
@pytest.mark.parametrize("weeks_later", [0, 1, 3])
def test_every_field_survives_choosing_a_time_on_another_day(
    client, ctype, doctor, practitioner, weeks_later
):
    start = next_weekday_at(10)
    other_day = next_weekday_at(10, weekday=3, weeks_ahead=1 + weeks_later).date()
    chosen = "any" if practitioner == "any" else str(doctor.pk)
    details = reverse("booking:details", args=[ctype.slug])
    data = {"start": start.isoformat(), "practitioner": chosen, **TYPED}

    page = client.post(details, {**data, "change_time": "1", "alt_day": other_day.isoformat()})
    body = page.content.decode()
    assert page.status_code == 200
    assert "Please choose another time" not in body  # not headed like an error
    assert "alert-danger" not in body
    choices = _slot_buttons(body)
    assert len(choices) > 1
    assert all(c.startswith(other_day.isoformat()) for c in choices)

    hidden = _hidden_fields(body)
    review = client.post(details, {**hidden, "slot": choices[1]})
    review_body = review.content.decode()
    assert review.status_code == 200
    assert "Confirm booking" in review_body

    confirm = client.post(
        reverse("booking:confirm", args=[ctype.slug]), _hidden_fields(review_body)
    )
    assert confirm.status_code == 302
    appointment = Appointment.objects.select_related("intake", "patient").get()
    assert appointment.start == datetime.fromisoformat(choices[1].split("|")[0])
    assert appointment.patient.full_name == TYPED["full_name"]
    assert appointment.contact_email == TYPED["email"]
    assert appointment.patient.date_of_birth.isoformat() == TYPED["date_of_birth"]
    assert "4135550199" in str(appointment.contact_phone)
    assert sorted(appointment.intake.joints) == sorted(TYPED["joints"])
    assert appointment.intake.note == TYPED["note"]
    assert appointment.booked_for_someone_else is True
    assert appointment.booker_name == TYPED["booker_name"]
    assert appointment.reminders_enabled is False
    if practitioner == "doctor":
        assert appointment.practitioner == doctor


@pytest.mark.parametrize("alt_day", ["", "not-a-date", "2026-02-30", "9999-12-31", "0001-01-01"])
def test_any_day_typed_answers_without_an_error(client, ctype, doctor, alt_day):
    data = {"start": next_weekday_at(10).isoformat(), "practitioner": "any", **TYPED}
    response = client.post(
        reverse("booking:details", args=[ctype.slug]),
        {**data, "change_time": "1", "alt_day": alt_day},
    )
    assert response.status_code == 200
    assert 'name="full_name"' in response.content.decode()
