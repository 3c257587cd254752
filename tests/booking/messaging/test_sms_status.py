"""Twilio's delivery reports (StatusCallback) on the ledger's text rows: signed, idempotent,
never backwards, and never a 500 whatever Twilio (or anyone else) posts."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from booking.messaging.sms.status import sms_delivery_status_record
from booking.models import OutboundMessage
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

TOKEN = "status-secret"  # noqa: S105 - a test credential
SITE = "https://clinic.example.com"
SID = "SM" + "a" * 32
NUMBER = "+14135550199"
Delivery = OutboundMessage.DeliveryStatus


@pytest.fixture(autouse=True)
def twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.SITE_URL = SITE


def sent_text(*, sid: str = SID, delivery: str = Delivery.QUEUED) -> OutboundMessage:
    appointment = AppointmentFactory(start=timezone.now() + timedelta(days=1), contact_phone=NUMBER)
    return OutboundMessage.objects.create(
        patient=appointment.patient,
        appointment=appointment,
        channel=OutboundMessage.Channel.SMS,
        kind=OutboundMessage.Kind.REMINDER,
        scheduled_for=appointment.start - timedelta(hours=2),
        status=OutboundMessage.Status.SENT,
        sent_at=timezone.now(),
        provider_id=sid,
        delivery_status=delivery,
    )


def report(client, *, signature=None, url: str = SITE, token: str = TOKEN, **fields):
    """Post what Twilio posts to a StatusCallback (the fields given replace the defaults; None
    leaves one out)."""
    params = {
        "MessageSid": SID,
        "SmsSid": SID,
        "AccountSid": "AC" + "0" * 32,
        "MessageStatus": "delivered",
        "SmsStatus": "delivered",
        "From": "+14135550100",
        "To": NUMBER,
        "ApiVersion": "2010-04-01",
    }
    params.update(fields)
    params = {k: v for k, v in params.items() if v is not None}
    path = reverse("booking:sms_status")
    if signature is None:
        signature = RequestValidator(token).compute_signature(url + path, params)
    return client.post(path, params, headers={"x-twilio-signature": signature})


def delivery_of(row: OutboundMessage) -> tuple[str, int | None]:
    row.refresh_from_db()
    return row.delivery_status, row.delivery_error_code


def test_the_url_is_sms_status():
    assert reverse("booking:sms_status") == "/sms/status/"


@pytest.mark.parametrize(
    ("twilio_status", "error_code", "expected"),
    [
        ("accepted", None, (Delivery.QUEUED, None)),
        ("queued", None, (Delivery.QUEUED, None)),
        ("sending", None, (Delivery.QUEUED, None)),
        ("sent", None, (Delivery.SENT, None)),
        ("delivered", None, (Delivery.DELIVERED, None)),
        ("read", None, (Delivery.DELIVERED, None)),
        ("undelivered", "30003", (Delivery.UNDELIVERED, 30003)),
        ("undelivered", "30005", (Delivery.UNDELIVERED, 30005)),
        ("undelivered", "30006", (Delivery.UNDELIVERED, 30006)),
        ("undelivered", "30007", (Delivery.UNDELIVERED, 30007)),
        ("failed", "30008", (Delivery.FAILED, 30008)),
        ("failed", None, (Delivery.FAILED, None)),
        ("canceled", None, (Delivery.FAILED, None)),
    ],
)
def test_each_status_is_recorded(client, twilio_status, error_code, expected):
    row = sent_text(delivery=Delivery.UNKNOWN)

    response = report(client, MessageStatus=twilio_status, ErrorCode=error_code)

    assert response.status_code == 200
    assert delivery_of(row) == expected
    assert row.status == OutboundMessage.Status.SENT  # the ledger's own status never moves
    assert row.delivery_updated_at is not None


def test_an_error_code_on_a_success_is_not_kept(client):
    row = sent_text()
    report(client, MessageStatus="delivered", ErrorCode="0")
    assert delivery_of(row) == (Delivery.DELIVERED, None)


def test_a_repeated_report_changes_nothing(client):
    row = sent_text()
    report(client, MessageStatus="undelivered", ErrorCode="30003")
    row.refresh_from_db()
    first_update = row.delivery_updated_at

    response = report(client, MessageStatus="undelivered", ErrorCode="30003")

    assert response.status_code == 200
    row.refresh_from_db()
    assert (row.delivery_status, row.delivery_error_code) == (Delivery.UNDELIVERED, 30003)
    assert row.delivery_updated_at == first_update


@pytest.mark.parametrize(
    ("first", "late"),
    [
        ("delivered", "sent"),
        ("delivered", "queued"),
        ("sent", "queued"),
        ("sent", "sending"),
        ("delivered", "undelivered"),
        ("delivered", "failed"),
        ("undelivered", "sent"),
        ("failed", "undelivered"),
        ("undelivered", "failed"),
    ],
)
def test_a_late_report_never_moves_the_status_back(client, first, late):
    row = sent_text()
    report(
        client,
        MessageStatus=first,
        ErrorCode="30003" if first in ("undelivered", "failed") else None,
    )
    before = delivery_of(row)

    response = report(client, MessageStatus=late, ErrorCode="30005")

    assert response.status_code == 200
    assert delivery_of(row) == before


def test_delivered_after_a_failure_report_stands_and_drops_the_code(client):
    # The handset's receipt is the better evidence: the carrier reported too early.
    row = sent_text()
    report(client, MessageStatus="undelivered", ErrorCode="30003")
    report(client, MessageStatus="delivered")
    assert delivery_of(row) == (Delivery.DELIVERED, None)


def test_an_unknown_sid_is_200_and_changes_nothing(client):
    row = sent_text()
    response = report(client, MessageSid="SM" + "f" * 32, MessageStatus="undelivered")
    assert response.status_code == 200
    assert delivery_of(row) == (Delivery.QUEUED, None)


def test_an_email_row_is_never_touched(client):
    row = sent_text()
    OutboundMessage.objects.filter(pk=row.pk).update(channel=OutboundMessage.Channel.EMAIL)
    report(client, MessageStatus="failed")
    assert delivery_of(row) == (Delivery.QUEUED, None)


def test_a_status_we_do_not_track_is_200_and_changes_nothing(client):
    row = sent_text()
    response = report(client, MessageStatus="partially_delivered")
    assert response.status_code == 200
    assert delivery_of(row) == (Delivery.QUEUED, None)


@pytest.mark.parametrize("signature", ["", "bad", "AAAA" * 7])
def test_unsigned_or_badly_signed_reports_are_refused(client, signature):
    row = sent_text()
    response = report(client, signature=signature, MessageStatus="failed")
    assert response.status_code == 403
    assert delivery_of(row) == (Delivery.QUEUED, None)


def test_a_report_signed_with_another_token_is_refused(client):
    row = sent_text()
    response = report(client, token="someone-elses-token", MessageStatus="failed")  # noqa: S106
    assert response.status_code == 403
    assert delivery_of(row) == (Delivery.QUEUED, None)


def test_a_report_signed_for_another_url_is_refused(client):
    row = sent_text()
    response = report(client, url="https://elsewhere.example.com", MessageStatus="failed")
    assert response.status_code == 403
    assert delivery_of(row) == (Delivery.QUEUED, None)


def test_a_report_whose_fields_were_changed_after_signing_is_refused(client):
    row = sent_text()
    params = {"MessageSid": SID, "MessageStatus": "delivered"}
    path = reverse("booking:sms_status")
    signature = RequestValidator(TOKEN).compute_signature(SITE + path, params)
    response = client.post(
        path, {**params, "MessageStatus": "failed"}, headers={"x-twilio-signature": signature}
    )
    assert response.status_code == 403
    assert delivery_of(row) == (Delivery.QUEUED, None)


def test_without_an_auth_token_every_report_is_refused(client, settings):
    row = sent_text()
    settings.TWILIO_AUTH_TOKEN = ""
    assert report(client, MessageStatus="failed").status_code == 403
    assert delivery_of(row) == (Delivery.QUEUED, None)


@pytest.mark.parametrize(
    "fields",
    [
        {"MessageSid": None},
        {"MessageSid": ""},
        {"MessageSid": "SM/../../x"},
        {"MessageSid": SID + "\n"},
        {"MessageSid": "SM" + "a" * 80},
        {"MessageStatus": None},
        {"MessageStatus": ""},
        {"ErrorCode": "thirty"},
        {"ErrorCode": "-30003"},
        {"ErrorCode": "9" * 30},
    ],
)
def test_missing_or_malformed_fields_are_400(client, fields):
    row = sent_text()
    response = report(client, **{"MessageStatus": "failed", **fields})
    assert response.status_code == 400
    assert delivery_of(row) == (Delivery.QUEUED, None)


def test_get_is_not_allowed(client):
    assert client.get(reverse("booking:sms_status")).status_code == 405


def test_reports_log_neither_numbers_nor_text(client, caplog):
    sent_text()
    with caplog.at_level(logging.DEBUG):
        report(client, MessageStatus="undelivered", ErrorCode="30007", Body="my knee hurts")
        report(client, MessageSid="SM" + "f" * 32, MessageStatus="sent")
    assert caplog.records
    for record in caplog.records:
        text = record.getMessage()
        assert NUMBER not in text
        assert "knee" not in text


def test_the_service_moves_one_row_only():
    row = sent_text()
    other = sent_text(sid="SM" + "b" * 32)

    outcome = sms_delivery_status_record(provider_id=SID, status=Delivery.DELIVERED)

    assert (outcome.known, outcome.changed) == (True, True)
    assert delivery_of(row) == (Delivery.DELIVERED, None)
    assert delivery_of(other) == (Delivery.QUEUED, None)
    again = sms_delivery_status_record(provider_id=SID, status=Delivery.DELIVERED)
    assert (again.known, again.changed) == (True, False)
