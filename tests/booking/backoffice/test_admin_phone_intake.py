"""Phone bookings record the same intake as online ones and how the privacy notice was given;
the appointment page shows the acknowledgement to every role that sees the visit, the intake to
health roles only. Intake joints are validated wherever an intake is made."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from booking.backoffice.roles import CLINICIAN, MANAGER, RECEPTION
from booking.models import Appointment, Intake, PrivacyAcknowledgement
from booking.patients.intake import IntakeDetails
from booking.profile import clinic_profile_get
from tests.booking.backoffice.test_admin_booking import _at, _book_data
from tests.factories import (
    AppointmentFactory,
    ConsultationTypeFactory,
    PractitionerFactory,
    StaffUserFactory,
    next_weekday,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    ctype = ConsultationTypeFactory(duration_minutes=30, min_notice_minutes=0)
    patel_user = StaffUserFactory(username="dr.patel", role=CLINICIAN)
    patel = PractitionerFactory(
        display_name="Dr. Patel", consultation_types=[ctype], user=patel_user
    )
    okafor = PractitionerFactory(display_name="Dr. Okafor", consultation_types=[ctype])
    reception = StaffUserFactory(username="rosa", first_name="Rosa", role=RECEPTION)
    return {"ctype": ctype, "patel": patel, "okafor": okafor, "reception": reception}


def _post(client, clinic, **extra):
    day = next_weekday(1)
    client.force_login(clinic["reception"])
    return client.post(
        reverse("admin:booking_appointment_book"), _book_data(clinic, day, _at(day, 10), **extra)
    )


def test_phone_booking_records_intake_and_who_read_out_the_notice(client, clinic):
    response = _post(client, clinic, joints=["hip", "knee"], pain_score="7", note="Worse on stairs")

    assert response.status_code == 302
    appointment = Appointment.objects.get()
    intake = appointment.intake
    assert (intake.joints, intake.pain_score, intake.note) == (
        ["hip", "knee"],
        7,
        "Worse on stairs",
    )
    assert appointment.privacy_acknowledged_how == PrivacyAcknowledgement.READ_OUT
    assert appointment.privacy_acknowledged_by == clinic["reception"]
    assert appointment.privacy_acknowledged_at is not None
    assert appointment.privacy_notice_version == clinic_profile_get().privacy_notice_version


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("privacy_read_out", ""),
        ("joints", []),
        ("joints", ["ankle"]),
        ("joints", ["<script>"]),
        ("pain_score", "11"),
        ("pain_score", "-1"),
        ("pain_score", "seven"),
        ("note", "x" * 1001),
    ],
)
def test_phone_booking_bad_intake_or_no_notice_is_a_form_error(client, clinic, field, value):
    response = _post(client, clinic, **{field: value})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("joints", [["ankle"], ["knee", "knee"], "knee", [1]])
def test_intake_joints_outside_the_list_are_refused_by_the_model_and_the_service(joints):
    appointment = AppointmentFactory(start=_at(next_weekday(3), 9), intake=None)
    with pytest.raises(ValidationError):
        Intake(appointment=appointment, joints=joints).full_clean()
    with pytest.raises(ValidationError):
        IntakeDetails(joints=joints).intake_new(appointment=appointment)


@pytest.mark.parametrize("role", [RECEPTION, CLINICIAN, MANAGER])
def test_appointment_page_shows_the_acknowledgement_intake_to_health_roles(client, clinic, role):
    _post(client, clinic, joints=["hip"], pain_score="7", note="Worse on stairs")
    appointment = Appointment.objects.get()
    users = {RECEPTION: clinic["reception"], CLINICIAN: clinic["patel"].user}
    client.force_login(users.get(role) or StaffUserFactory(role=role))

    body = client.get(
        reverse("admin:booking_appointment_change", args=[appointment.pk])
    ).content.decode()

    assert "Read out to the caller by staff by Rosa" in body
    assert ("Worse on stairs" in body) is (role != RECEPTION)
    assert ("7/10" in body) is (role != RECEPTION)


def test_online_acknowledgement_is_shown_too(client, clinic):
    appointment = AppointmentFactory(
        practitioner=clinic["patel"],
        start=_at(next_weekday(2), 9),
        privacy_notice_version="2026-11",
        privacy_acknowledged_at=_at(next_weekday(1), 9),
        privacy_acknowledged_how=PrivacyAcknowledgement.ONLINE,
    )
    client.force_login(clinic["reception"])
    body = client.get(
        reverse("admin:booking_appointment_change", args=[appointment.pk])
    ).content.decode()
    assert "Ticked on the online booking form" in body
    assert "notice version 2026-11" in body


def test_phone_booking_records_the_patients_language_for_their_messages(client, clinic):
    response = _post(client, clinic, language="es")

    assert response.status_code == 302
    assert Appointment.objects.get().patient.language == "es"


def test_phone_booking_without_a_language_keeps_the_patients(client, clinic):
    response = _post(client, clinic)

    assert response.status_code == 302
    assert Appointment.objects.get().patient.language == "en"
