"""Text reminders with real parts: a Celery worker process, Redis, the file SMS backend (one
file per text, named with its ledger id) and an SMTP server for the emails beside them.

One reminder per channel, none after a cancel, none in quiet hours, none lost when the worker
is killed mid-batch, and a STOP from a shared number stops texts to everyone on it.
"""

from __future__ import annotations

import re
import signal
import time
import uuid
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from twilio.request_validator import RequestValidator

from booking.messaging.ledger import message_enqueue
from booking.messaging.scan import due_messages_scan
from booking.messaging.sms.consent import sms_opt_in_record
from booking.messaging.sms.quiet import QUIET_SKIP_REASON, clinic_zone
from booking.messaging.tasks import scan_due_messages
from booking.models import Appointment, ClinicProfile, OutboundMessage
from booking.scheduling.changes import appointment_cancel
from clinic.celery_app import app as celery_app
from tests.factories import AppointmentFactory, PatientFactory
from tests.integration.test_email_pipeline import (
    Worker,
    all_settled,
    received_ids,
    smtp,  # noqa: F401 - a fixture
    wait_until,
)

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

Kind = OutboundMessage.Kind
PHONE = "+14135550199"
TOKEN = "integration-token"


@pytest.fixture(scope="module")
def texts_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("sms-outbox")


# This module's own queue: the email pipeline's worker (another xdist process, another test
# database) listens on the default one and would otherwise take these tasks.
QUEUE = f"texts-{uuid.uuid4().hex[:8]}"


def text_env(texts_dir: Path, **extra: str) -> dict[str, str]:
    return {
        "SMS_BACKEND": "tests.integration.killing_sms.KillingFileBackend",
        "SMS_OUTBOX_DIR": str(texts_dir),
        "CELERY_QUEUE": QUEUE,
        **extra,
    }


@pytest.fixture(scope="module", autouse=True)
def _own_queue():
    """Tasks sent from this process go to QUEUE (Celery caches its routes: rebuild them)."""
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = QUEUE
    for cached in ("queues", "router", "default_queue"):
        celery_app.amqp.__dict__.pop(cached, None)
    yield
    celery_app.conf.task_default_queue = previous
    for cached in ("queues", "router", "default_queue"):
        celery_app.amqp.__dict__.pop(cached, None)


@pytest.fixture(scope="module")
def text_worker(smtp, texts_dir, django_db_setup, django_db_blocker, tmp_path_factory):  # noqa: F811
    with django_db_blocker.unblock():
        log = tmp_path_factory.mktemp("worker") / "worker.log"
        running = Worker(smtp[1], log, **text_env(texts_dir)).start()
    yield running
    running.stop()


@pytest.fixture
def pipeline(text_worker, smtp, texts_dir, settings):  # noqa: F811
    handler, _ = smtp
    handler.messages.clear()
    handler.refusals.clear()
    handler.kill_pid = None
    for old in texts_dir.glob("*.txt"):
        old.unlink()
    celery_app.conf.task_always_eager = False
    settings.TWILIO_AUTH_TOKEN = TOKEN
    # The suite runs at any hour: no quiet hours unless a test sets them.
    ClinicProfile.objects.filter(pk=1).update(text_quiet_start=clock(0), text_quiet_end=clock(0))
    return handler


def text_ids(texts_dir: Path) -> list[int]:
    """The ledger id of every text the worker wrote (one file per text sent)."""
    return [int(re.search(r"-(\d+)\.txt$", f.name).group(1)) for f in texts_dir.glob("*.txt")]


def texted_visits(count: int, *, starts_in=timedelta(hours=1, minutes=55), **kw) -> list[int]:
    """Visits opted in to texts whose 2 h reminders fell due 5 minutes ago (booked yesterday)."""
    ids = []
    for _ in range(count):
        appointment = AppointmentFactory(
            start=timezone.now() + starts_in,
            contact_phone=kw.get("phone", PHONE),
            **kw.get("f", {}),
        )
        sms_opt_in_record(appointment=appointment)
        ids.append(appointment.pk)
    Appointment.objects.filter(pk__in=ids).update(created_at=timezone.now() - timedelta(days=1))
    return ids


def rows(channel: str, status: str = "sent") -> list[int]:
    return list(
        OutboundMessage.objects.filter(kind=Kind.REMINDER, channel=channel, status=status)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def test_one_reminder_per_channel(pipeline, texts_dir):
    (visit,) = texted_visits(1)
    scan_due_messages.delay()
    wait_until(lambda: len(text_ids(texts_dir)) == 1 and len(pipeline.messages) == 1, what="both")
    scan_due_messages.delay()  # a second scan finds nothing more to send
    time.sleep(1.5)

    assert all_settled()
    assert text_ids(texts_dir) == rows("sms")
    assert received_ids(pipeline) == rows("email")
    assert OutboundMessage.objects.filter(appointment_id=visit, status="sent").count() == 2


def test_no_reminder_after_a_cancel(pipeline, texts_dir):
    (visit,) = texted_visits(1)
    appointment_cancel(appointment=Appointment.objects.get(pk=visit), apply_patient_rules=False)
    scan_due_messages.delay()
    time.sleep(2)
    assert text_ids(texts_dir) == []
    assert rows("sms") == []
    assert rows("email") == []


def test_no_text_in_quiet_hours(pipeline, texts_dir):
    local_now = timezone.now().astimezone(clinic_zone())
    ClinicProfile.objects.filter(pk=1).update(
        text_quiet_start=(local_now - timedelta(hours=1)).time().replace(second=0, microsecond=0),
        text_quiet_end=(local_now + timedelta(hours=3)).time().replace(second=0, microsecond=0),
    )
    # Due now, in quiet hours that end after the visit: recorded as skipped, never sent.
    (visit,) = texted_visits(1)
    # A text row queued before the quiet hours began, delivered during them: skipped too.
    late = texted_visits(1, starts_in=timedelta(hours=6))[0]
    pending = OutboundMessage.objects.create(
        appointment_id=late,
        patient_id=Appointment.objects.get(pk=late).patient_id,
        kind=Kind.REMINDER,
        channel="sms",
        scheduled_for=timezone.now() - timedelta(minutes=1),
        resent_at=timezone.now(),  # staff re-sent it: only the send-time checks apply
    )
    message_enqueue(message_id=pending.pk)
    scan_due_messages.delay()
    wait_until(all_settled, what="the scan and the delivery")
    time.sleep(1)

    assert text_ids(texts_dir) == []
    assert rows("sms", "sent") == []
    pending.refresh_from_db()
    assert (pending.status, pending.last_error) == (
        "skipped",
        "Quiet hours: no texts are sent now.",
    )
    assert (
        OutboundMessage.objects.get(
            appointment_id=visit,
            channel="sms",
            scheduled_for__gt=timezone.now() - timedelta(hours=1),
        ).last_error
        == QUIET_SKIP_REASON
    )
    assert len(pipeline.messages) == 1  # the email reminder does not keep quiet hours


def test_a_killed_worker_loses_no_text(pipeline, text_worker, smtp, texts_dir, tmp_path):  # noqa: F811
    text_worker.stop()  # this test runs its own workers, with a short lease
    lease = 3
    env = {"EMAIL_LEASE_SECONDS": str(lease), "EMAIL_BATCH_SIZE": "25"}
    first = Worker(smtp[1], tmp_path / "first.log", **text_env(texts_dir, SMS_KILL_AT="15"), **env)
    first.start()
    try:
        texted_visits(40)  # 40 texts and 40 emails
        due_messages_scan()
        first.process.wait(timeout=60)
        assert first.process.returncode == -signal.SIGKILL
        assert 10 <= len(text_ids(texts_dir)) < 40

        time.sleep(lease + 0.5)
        second = Worker(smtp[1], tmp_path / "second.log", **text_env(texts_dir), **env).start()
        try:
            due_messages_scan()  # what the next beat tick does
            wait_until(all_settled, timeout=90, what="recovery after the kill")
        finally:
            second.stop()
    finally:
        first.stop()
        text_worker.start()

    sent_texts = text_ids(texts_dir)
    assert sorted(sent_texts) == rows("sms")
    assert len(sent_texts) == len(set(sent_texts)) == 40  # the text in flight was never written
    assert sorted(set(received_ids(pipeline))) == rows("email")
    assert len(rows("email")) == 40


def signed_post(client, path: str, data: dict[str, str]):
    from django.conf import settings

    url = settings.SITE_URL.rstrip("/") + path
    signature = RequestValidator(TOKEN).compute_signature(url, data)
    return client.post(path, data, HTTP_X_TWILIO_SIGNATURE=signature)


def test_stop_stops_every_later_text_to_the_number_for_everyone_on_it(pipeline, texts_dir, client):
    mother, son = PatientFactory(phone=PHONE), PatientFactory(phone="")
    # Both visits give the same (the mother's) number; the son's second number is another.
    due = texted_visits(1, f={"patient": mother}) + texted_visits(1, f={"patient": son})
    later = texted_visits(1, starts_in=timedelta(hours=5), f={"patient": son})
    stranger = PatientFactory(phone="+14135550123")
    other = texted_visits(1, phone="+14135550123", f={"patient": stranger})

    response = signed_post(
        client, "/sms/inbound/", {"MessageSid": "SM" + "1" * 32, "From": PHONE, "Body": "Stop"}
    )
    assert response.status_code == 200
    scan_due_messages.delay()
    wait_until(
        lambda: (
            OutboundMessage.objects.filter(appointment_id__in=other, status="sent").count() == 2
            and all_settled()
        ),
        what=lambda: str(
            list(
                OutboundMessage.objects.values_list(
                    "appointment_id", "kind", "channel", "scheduled_for", "status", "last_error"
                )
            )
        ),
    )
    # After the STOP, a reminder of the son's later visit falls due (a 5.1 h reminder added).
    ClinicProfile.objects.filter(pk=1).update(reminder_offsets="48,5.1,2")
    scan_due_messages.delay()
    wait_until(
        lambda: (
            OutboundMessage.objects.filter(
                appointment_id__in=later,
                channel="sms",
                scheduled_for__gt=timezone.now() - timedelta(hours=1),
            ).exists()
            and all_settled()
        ),
        what="the later reminder",
    )

    texts = OutboundMessage.objects.filter(channel="sms")
    sent = list(texts.filter(status="sent").values_list("appointment_id", flat=True))
    assert sent == other, [
        str(row)
        for row in texts.values_list("appointment_id", "scheduled_for", "status", "last_error")
    ]
    assert not texts.filter(appointment_id__in=due + later, status="sent").exists()
    assert [int(i) for i in text_ids(texts_dir)] == list(
        texts.filter(status="sent").values_list("pk", flat=True)
    )
    # The ledger rows of the stopped number say why (those due after they were booked).
    stopped = texts.filter(
        appointment_id__in=due + later, scheduled_for__gt=timezone.now() - timedelta(hours=6)
    )
    opted_out = stopped.filter(last_error="The patient opted out of texts.")
    assert sorted(opted_out.values_list("appointment_id", flat=True)) == sorted(due + later)
