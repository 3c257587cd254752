"""Rescheduling to the visit's own time is no change: no move, no history, no event, no email."""

from __future__ import annotations

import pytest
from django.urls import reverse

from booking.links.tokens import manage_token
from booking.models import Appointment, OutboundMessage
from booking.scheduling.changes import appointment_reschedule
from tests.factories import AppointmentFactory, UserFactory, next_weekday_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limit")]


@pytest.fixture
def appointment(ctype, doctor):
    return AppointmentFactory(
        consultation_type=ctype,
        practitioner=doctor,
        start=next_weekday_at(10),
        contact_email="maria@example.com",
    )


@pytest.fixture
def announced(monkeypatch):
    """Every event the change service announces (delivered after commit, so caught at source)."""
    seen = []
    monkeypatch.setattr("booking.scheduling.changes.announce", seen.append)
    return seen


def _unchanged(appointment: Appointment, announced: list) -> None:
    fresh = Appointment.objects.get(pk=appointment.pk)
    assert (fresh.start, fresh.sequence, fresh.version) == (
        appointment.start,
        appointment.sequence,
        appointment.version,
    )
    assert not fresh.history.filter(history_change_reason="Rescheduled").exists()
    assert not OutboundMessage.objects.filter(
        kind__in=[OutboundMessage.Kind.RESCHEDULED, OutboundMessage.Kind.STAFF_CHANGED]
    ).exists()
    assert announced == []


@pytest.mark.parametrize("practitioner", ["same", "none"])
def test_service_same_time_is_no_change(appointment, announced, practitioner):
    result = appointment_reschedule(
        appointment=appointment,
        start=appointment.start,
        practitioner=appointment.practitioner if practitioner == "same" else None,
    )
    assert result.start == appointment.start
    _unchanged(appointment, announced)


@pytest.mark.parametrize("method", ["get", "post", "post twice"])
def test_patient_same_time_is_no_change(client, appointment, announced, method):
    confirm = reverse("booking:manage_reschedule_confirm", args=[manage_token(appointment)])
    params = {"start": appointment.start.isoformat(), "practitioner": appointment.practitioner_id}
    for _ in range(2 if method == "post twice" else 1):
        response = getattr(client, method.split()[0])(confirm, params, follow=True)
        body = response.content.decode()
        assert "already your appointment time" in body
        assert "has been moved" not in body
    _unchanged(appointment, announced)


def test_replayed_move_sends_one_email(client, appointment):
    confirm = reverse("booking:manage_reschedule_confirm", args=[manage_token(appointment)])
    params = {"start": next_weekday_at(14).isoformat(), "practitioner": appointment.practitioner_id}
    client.post(confirm, params)
    client.post(confirm, params)  # the same POST again: the visit is already there
    assert OutboundMessage.objects.filter(kind=OutboundMessage.Kind.RESCHEDULED).count() == 1


def test_staff_same_time_is_a_form_error(client, appointment, announced):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    local = appointment.start
    response = client.post(
        reverse("admin:booking_appointment_move", args=[appointment.pk]),
        {
            "practitioner": appointment.practitioner_id,
            "day": local.date().isoformat(),
            "start": local.isoformat(),
        },
    )
    assert response.status_code == 200
    assert "current time" in response.content.decode()
    _unchanged(appointment, announced)


def test_reschedule_picker_labels_the_current_time_and_never_offers_it(client, appointment):
    picker = reverse("booking:manage_reschedule", args=[manage_token(appointment)])
    body = client.get(picker, {"date": appointment.start.date().isoformat()}).content.decode()
    assert "your current time" in body
    assert f"start={appointment.start.isoformat()}".replace("+", "%2B") not in body
    assert appointment.start.isoformat() not in body
