"""Texts to the clinic's number: Twilio's signature, STOP/START/HELP, C to confirm, replies to
read (and once only when Twilio retries)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from booking.backoffice.roles import RECEPTION
from booking.messaging.sms.consent import sms_opt_in_record
from booking.messaging.sms.inbound import keyword_of
from booking.models import Appointment, InboundText, Patient
from tests.factories import AppointmentFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

TOKEN = "inbound-secret"  # noqa: S105 - a test credential
NUMBER = "+14135550199"


@pytest.fixture(autouse=True)
def twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.SITE_URL = "https://clinic.example.com"


def post(client, body: str, *, sid: str = "SM1", number: str = NUMBER, signature=None):
    params = {"MessageSid": sid, "From": number, "To": "+14135550100", "Body": body}
    url = "https://clinic.example.com" + reverse("booking:sms_inbound")
    if signature is None:
        signature = RequestValidator(TOKEN).compute_signature(url, params)
    return client.post(
        reverse("booking:sms_inbound"), params, headers={"x-twilio-signature": signature}
    )


def opted_in_visit(**kw) -> Appointment:
    appointment = AppointmentFactory(
        start=timezone.now() + timedelta(hours=20), contact_phone=NUMBER, **kw
    )
    sms_opt_in_record(appointment=appointment)
    return appointment


@pytest.mark.parametrize("signature", ["", "bad", "AAAA" * 7])
def test_unsigned_or_badly_signed_requests_are_refused(client, signature):
    response = post(client, "STOP", signature=signature)
    assert response.status_code == 403
    assert not InboundText.objects.exists()


def test_signed_for_another_url_is_refused(client, settings):
    settings.SITE_URL = "https://elsewhere.example.com"
    opted_in_visit()
    params = {"MessageSid": "SM1", "From": NUMBER, "Body": "STOP"}
    signature = RequestValidator(TOKEN).compute_signature(
        "https://clinic.example.com" + reverse("booking:sms_inbound"), params
    )
    response = client.post(
        reverse("booking:sms_inbound"), params, headers={"x-twilio-signature": signature}
    )
    assert response.status_code == 403


def test_get_is_not_allowed(client):
    assert client.get(reverse("booking:sms_inbound")).status_code == 405


@pytest.mark.parametrize(
    ("fields", "status"), [({"number": "not a number"}, 400), ({"sid": ""}, 400)]
)
def test_malformed_posts_are_400(client, fields, status):
    assert post(client, "hello", **fields).status_code == status


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("STOP", "stop"),
        (" stop. ", "stop"),
        ("Unsubscribe", "stop"),
        ("start", "start"),
        ("HELP", "help"),
        ("c", "confirm"),
        ("Confirm!", "confirm"),
        ("please stop the reminders", "other"),
        ("", "other"),
    ],
)
def test_keywords_are_the_whole_text(body, keyword):
    assert keyword_of(body) == keyword


def test_stop_opts_out_every_patient_with_the_number_and_start_lifts_it(client):
    appointment = opted_in_visit()

    assert post(client, "STOP", sid="SM1").status_code == 200
    patient = Patient.objects.get(pk=appointment.patient_id)
    assert patient.sms_opted_out_at is not None

    post(client, "START", sid="SM2")
    patient.refresh_from_db()
    assert patient.sms_opted_out_at is None


def test_help_answers_with_the_clinic_name_and_phone(client):
    response = post(client, "HELP")
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/xml")
    assert "<Message>" in body
    assert "STOP" in body


def test_c_confirms_the_next_visit_and_thanks(client):
    appointment = opted_in_visit()
    response = post(client, "C")
    appointment.refresh_from_db()
    assert appointment.patient_confirmed_at is not None
    assert "thank you" in response.content.decode()
    text = InboundText.objects.get()
    assert (text.keyword, text.appointment_id, text.read_at is not None) == (
        "confirm",
        appointment.pk,
        True,
    )


def test_c_without_a_visit_says_so(client):
    response = post(client, "C")
    assert "no upcoming visit" in response.content.decode()


def test_other_replies_wait_to_be_read_once_even_if_twilio_retries(client):
    appointment = opted_in_visit()
    post(client, "Running 10 min late", sid="SM9")
    post(client, "Running 10 min late", sid="SM9")

    text = InboundText.objects.get()
    assert (text.keyword, text.read_at, text.patient_id) == ("other", None, appointment.patient_id)


def test_reception_reads_replies_and_marks_them_read(client):
    opted_in_visit()
    post(client, "Running 10 min late", sid="SM9")
    client.force_login(StaffUserFactory(role=RECEPTION))
    listing = client.get(reverse("admin:booking_inboundtext_changelist"), {"unread": "1"})
    assert "Running 10 min late" in listing.content.decode()

    client.post(
        reverse("admin:booking_inboundtext_changelist"),
        {"action": "mark_read", "_selected_action": [InboundText.objects.get().pk]},
    )
    assert InboundText.objects.get().read_at is not None
