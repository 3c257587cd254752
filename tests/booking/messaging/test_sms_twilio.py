"""The real Twilio library against a local server that answers like Twilio's Messages endpoint:
what we send, and how each error reply lands in the ledger."""

from __future__ import annotations

import base64
import itertools
import json
import logging
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from twilio.request_validator import RequestValidator

from booking.messaging.scan import due_messages_scan
from booking.messaging.sms.consent import sms_opt_in_record
from booking.models import Appointment, OutboundMessage
from tests.factories import AppointmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("texts_any_hour")]

SID = "AC" + "0" * 32
TOKEN = "secret-token"  # noqa: S105 - a test credential
ERRORS = {
    21211: (400, "The 'To' number +1413 is not a valid phone number."),
    20429: (429, "Too Many Requests"),
    21610: (400, "Attempt to send to unsubscribed recipient"),
}


class FakeTwilio(BaseHTTPRequestHandler):
    requests: list[dict] = []
    reply_error: int | None = None
    sids = itertools.count(1)

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers["Content-Length"])
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        type(self).requests.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "form": form}
        )
        if self.reply_error:
            status, message = ERRORS[self.reply_error]
            body = {
                "code": self.reply_error,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{self.reply_error}",
                "status": status,
            }
        else:
            status = 201
            body = {
                "sid": f"SM{next(type(self).sids):032x}",
                "account_sid": SID,
                "to": form["To"],
                "from": form.get("From"),
                "body": form["Body"],
                "status": "queued",
                "num_segments": "1",
            }
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def twilio(settings):
    FakeTwilio.requests = []
    FakeTwilio.reply_error = None
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "booking.messaging.sms.backends.TwilioBackend"
    settings.TWILIO_ACCOUNT_SID = SID
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_FROM_NUMBER = "+14135550100"
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_API_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.SITE_URL = "https://clinic.example.com"
    yield FakeTwilio
    server.shutdown()
    server.server_close()


def text_due() -> Appointment:
    appointment = AppointmentFactory(
        start=timezone.now() + timedelta(hours=2) - timedelta(minutes=10),
        contact_phone="+14135550199",
    )
    Appointment.objects.filter(pk=appointment.pk).update(
        created_at=timezone.now() - timedelta(days=7)
    )
    sms_opt_in_record(appointment=appointment)
    return appointment


def text_row(appointment: Appointment) -> OutboundMessage:
    return appointment.messages.get(
        channel="sms", kind="reminder", scheduled_for=appointment.start - timedelta(hours=2)
    )


def test_a_text_goes_to_twilios_messages_endpoint(twilio):
    appointment = text_due()

    due_messages_scan()

    [request] = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request["auth"] == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert request["form"]["To"] == "+14135550199"
    assert request["form"]["From"] == "+14135550100"
    assert "/m/" in request["form"]["Body"]
    # Twilio is asked to report delivery to our signed webhook, on the public SITE_URL.
    assert request["form"]["StatusCallback"] == "https://clinic.example.com/sms/status/"
    row = text_row(appointment)
    assert row.status == "sent"
    assert row.provider_id.startswith("SM")
    assert len(row.provider_id) == 34
    assert row.delivery_status == "queued"


def test_twilios_report_on_the_sid_it_gave_reaches_the_row(twilio, client):
    first, second = text_due(), text_due()
    due_messages_scan()
    row, other = text_row(first), text_row(second)
    assert row.provider_id != other.provider_id
    callback = twilio.requests[0]["form"]["StatusCallback"]
    params = {"MessageSid": row.provider_id, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    signature = RequestValidator(TOKEN).compute_signature(callback, params)

    response = client.post(
        urlsplit(callback).path, params, headers={"x-twilio-signature": signature}
    )

    assert response.status_code == 200
    row.refresh_from_db()
    other.refresh_from_db()
    assert (row.delivery_status, row.delivery_error_code) == ("undelivered", 30003)
    assert other.delivery_status == "queued"


def test_a_messaging_service_is_used_when_configured(twilio, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "2" * 32
    text_due()
    due_messages_scan()
    form = twilio.requests[0]["form"]
    assert form["MessagingServiceSid"] == "MG" + "2" * 32
    assert "From" not in form


def test_invalid_number_fails_for_good(twilio):
    twilio.reply_error = 21211
    appointment = text_due()

    due_messages_scan()

    row = text_row(appointment)
    assert row.status == "failed"
    assert "21211" in row.last_error
    appointment.patient.refresh_from_db()
    assert appointment.patient.sms_opted_out_at is None


def test_rate_limit_is_retried_later(twilio):
    twilio.reply_error = 20429
    appointment = text_due()

    due_messages_scan()

    row = text_row(appointment)
    assert row.status == "sending"  # held until the backoff ends, then handed out again
    assert row.lease_until > timezone.now()
    assert "20429" in row.last_error

    twilio.reply_error = None
    OutboundMessage.objects.filter(pk=row.pk).update(lease_until=timezone.now())
    due_messages_scan()
    assert text_row(appointment).status == "sent"


def test_unsubscribed_recipient_fails_and_opts_the_patient_out(twilio):
    twilio.reply_error = 21610
    appointment = text_due()

    due_messages_scan()

    row = text_row(appointment)
    assert row.status == "failed"
    assert "21610" in row.last_error
    appointment.patient.refresh_from_db()
    assert appointment.patient.sms_opted_out_at is not None
    # The email reminder went out all the same.
    assert appointment.messages.filter(channel="email", kind="reminder", status="sent").exists()


def test_sending_logs_no_number_and_not_the_librarys_request_dump(twilio, caplog):
    text_due()
    with caplog.at_level(logging.INFO):
        due_messages_scan()
    assert twilio.requests
    assert not [r for r in caplog.records if r.name.startswith("twilio")]
    assert all("+14135550199" not in r.getMessage() for r in caplog.records)
