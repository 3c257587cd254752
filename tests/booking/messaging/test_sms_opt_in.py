"""Opting in to text reminders: an unticked box online, verbal consent by phone, E.164 storage."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.backoffice.roles import RECEPTION
from booking.messaging.sms.consent import SMS_CONSENT_VERSION
from booking.models import Appointment
from booking.scheduling.clock import clinic_zone
from tests.booking.journey.test_views_journey import details_data
from tests.factories import (
    ConsultationTypeFactory,
    PatientFactory,
    PractitionerFactory,
    StaffUserFactory,
    next_weekday,
    next_weekday_at,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limit")]


def test_the_text_box_is_offered_unticked_and_optional(client, ctype, doctor):
    start = next_weekday_at(10)
    response = client.post(
        reverse("booking:details", args=[ctype.slug]),
        {"start": start.isoformat(), "practitioner": "any"},
    )
    form = response.context["form"]
    assert form.fields["texts"].required is False
    assert form.fields["texts"].initial is False
    assert "Text me reminders" in response.content.decode()


def test_without_the_box_the_visit_gets_no_texts(client, ctype, doctor):
    client.post(reverse("booking:confirm", args=[ctype.slug]), details_data(next_weekday_at(10)))
    appointment = Appointment.objects.get()
    assert appointment.sms_opt_in_at is None
    assert appointment.sms_consent_version == ""


def test_ticking_the_box_records_time_and_wording_and_lifts_a_stop(client, ctype, doctor):
    # The same person (name, birth date, email match), who once replied STOP.
    patient = PatientFactory(
        full_name="Maria Lopez",
        date_of_birth=date(1955, 4, 2),
        email="maria@example.com",
        sms_opted_out_at=timezone.now(),
    )
    data = details_data(next_weekday_at(10), texts="on", phone="(413) 555-0199")

    review = client.post(reverse("booking:details", args=[ctype.slug]), data)
    assert "Text reminders" in review.content.decode()
    client.post(reverse("booking:confirm", args=[ctype.slug]), data)

    appointment = Appointment.objects.get()
    assert appointment.sms_opt_in_at is not None
    assert appointment.sms_consent_version == SMS_CONSENT_VERSION
    assert appointment.sms_consent_taken_by is None
    assert str(appointment.contact_phone) == "+14135550199"  # E.164
    patient.refresh_from_db()
    assert patient.sms_opted_out_at is None


@pytest.mark.parametrize("phone", ["12", "not a phone", "+1 000 000 0000", "5" * 40])
def test_bad_phone_numbers_are_form_errors(client, ctype, doctor, phone):
    data = details_data(next_weekday_at(10), texts="on", phone=phone)
    response = client.post(reverse("booking:confirm", args=[ctype.slug]), data)
    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    assert not Appointment.objects.exists()


def _staff_data(ctype, practitioner, day, **extra):
    start = datetime.combine(day, time(10), tzinfo=clinic_zone())
    return {
        "consultation_type": ctype.pk,
        "practitioner": practitioner.pk,
        "day": day.isoformat(),
        "start": start.isoformat(),
        "full_name": "Maria Gomez",
        "email": "maria@example.com",
        "phone": "+14135550101",
        "reminders_enabled": "on",
        "joints": ["knee"],
        "privacy_read_out": "on",
        **extra,
    }


@pytest.fixture
def phone_desk():
    ctype = ConsultationTypeFactory(duration_minutes=30)
    practitioner = PractitionerFactory(consultation_types=[ctype])
    return ctype, practitioner, StaffUserFactory(username="rosa", role=RECEPTION)


def test_by_phone_the_staff_member_who_took_consent_is_recorded(client, phone_desk):
    ctype, practitioner, rosa = phone_desk
    client.force_login(rosa)
    response = client.post(
        reverse("admin:booking_appointment_book"),
        _staff_data(ctype, practitioner, next_weekday(1), texts="on"),
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.sms_consent_taken_by == rosa
    assert appointment.sms_consent_version == SMS_CONSENT_VERSION


def test_by_phone_texts_need_a_number(client, phone_desk):
    ctype, practitioner, rosa = phone_desk
    client.force_login(rosa)
    response = client.post(
        reverse("admin:booking_appointment_book"),
        _staff_data(ctype, practitioner, next_weekday(1), texts="on", phone=""),
    )
    assert response.status_code == 200
    assert "need the patient" in response.content.decode()
    assert not Appointment.objects.exists()
