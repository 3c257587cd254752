"""The appointment page shows the patient's answers as a clinician reads them, to the roles
allowed to see health details only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from booking.backoffice.roles import CLINICIAN, EDITOR, MANAGER, RECEPTION
from booking.models import Joint
from tests.factories import (
    AppointmentFactory,
    PractitionerFactory,
    StaffUserFactory,
    next_weekday_at,
)

pytestmark = pytest.mark.django_db

RAW = ['["', "Joint values", "Intake for appointment", "hip_", "ankle_foot"]


@pytest.fixture
def visit():
    clinician = StaffUserFactory(role=CLINICIAN)
    appointment = AppointmentFactory(
        practitioner=PractitionerFactory(user=clinician),
        start=next_weekday_at(10),
        intake__joints=[Joint.HIP, Joint.ANKLE_FOOT],
        intake__note="Worse on stairs",
        intake__pain_score=7,
    )
    return appointment, clinician


@pytest.mark.parametrize("role", [CLINICIAN, MANAGER])
def test_health_roles_read_joint_labels_pain_out_of_ten_and_note(client, visit, role):
    appointment, clinician = visit
    client.force_login(clinician if role == CLINICIAN else StaffUserFactory(role=role))
    body = client.get(
        reverse("admin:booking_appointment_change", args=[appointment.pk])
    ).content.decode()
    assert "Hip, Ankle or foot" in body
    assert "7/10" in body
    assert "Worse on stairs" in body
    for raw in RAW:
        assert raw not in body, raw


@pytest.mark.parametrize("role", [RECEPTION, EDITOR])
def test_other_roles_never_see_the_answers(client, visit, role):
    appointment, _ = visit
    client.force_login(StaffUserFactory(role=role))
    response = client.get(reverse("admin:booking_appointment_change", args=[appointment.pk]))
    body = response.content.decode()
    for detail in ("Hip, Ankle or foot", "7/10", "Worse on stairs"):
        assert detail not in body
