"""The email pipeline with real parts: a Celery worker process, Redis, and an SMTP server.

The worker runs as a subprocess (`celery -A clinic worker --pool=solo`) against this test's
database (pytest-django's test database, committed data: transaction=True) and the Redis in
REDIS_URL, and sends through an aiosmtpd server started here. Failures are real too: SMTP
refusals, and a worker killed with SIGKILL in the middle of a batch.
"""

from __future__ import annotations

import email
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection, transaction
from django.utils import timezone

from booking.messaging.health import SCAN_HEARTBEAT
from booking.messaging.scan import due_messages_scan
from booking.messaging.tasks import deliver_message, scan_due_messages
from booking.models import Appointment, OutboundMessage, TaskHeartbeat, WaitlistOffer
from booking.patients.identity import ContactDetails
from booking.profile import clinic_profile_get
from booking.scheduling.booking import appointment_book
from booking.scheduling.changes import appointment_cancel
from clinic.celery_app import app as celery_app
from tests.booking.messaging.test_emails import weekday_at
from tests.conftest import RecordingSMTPHandler
from tests.factories import (
    AppointmentFactory,
    ConsultationTypeFactory,
    OutboundMessageFactory,
    PatientFactory,
    PractitionerFactory,
    WaitlistEntryFactory,
)

# serialized_rollback: the flush after each test would otherwise drop the data migrations'
# rows (the clinic profile) for every later test sharing the reused test database; the module's
# last flush is undone by tests/conftest.py's _restore_migration_rows.
pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

Kind = OutboundMessage.Kind
CELERY = str(Path(sys.executable).with_name("celery"))


class KillingHandler(RecordingSMTPHandler):
    """Records messages; at the Nth one it SIGKILLs the sending worker before accepting it."""

    kill_pid: int | None = None
    kill_at: int = 0

    async def handle_DATA(self, server, session, envelope):
        if self.kill_pid and len(self.messages) + 1 == self.kill_at:
            os.kill(self.kill_pid, signal.SIGKILL)
            self.kill_pid = None
            return "421 4.3.2 Shutting down"
        return await super().handle_DATA(server, session, envelope)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def smtp():
    handler = KillingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture
def inbox(smtp):
    handler, _ = smtp
    handler.messages.clear()
    handler.refusals.clear()
    handler.kill_pid = None
    return handler


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, smtp_port: int, log: Path, **env: str):
        self.log = log
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "DATABASE_URL": database_url(),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_RETRY_BACKOFF_SECONDS": "0.2",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            **env,
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [CELERY, "-A", "clinic", "worker", "--pool=solo", "--loglevel=INFO"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[2],
        )
        deadline = time.monotonic() + 30
        while b" ready." not in self.log.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("worker did not start:\n" + self.log.read_text()[-3000:])
            time.sleep(0.2)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def worker(smtp, django_db_setup, django_db_blocker, tmp_path_factory):
    celery_app.control.purge()  # stale tasks of an earlier run must not reach this worker
    with django_db_blocker.unblock():
        running = Worker(smtp[1], tmp_path_factory.mktemp("worker") / "worker.log").start()
    yield running
    running.stop()


@pytest.fixture
def real_celery(worker):
    """Tasks go to Redis and the worker process, not in-process (overrides the eager default)."""
    celery_app.conf.task_always_eager = False
    return worker


def wait_until(condition, timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out waiting for {what if isinstance(what, str) else what()}"
            )
        time.sleep(0.1)


def received_ids(inbox) -> list[int]:
    return [
        int(email.message_from_bytes(raw, policy=policy.default)["X-Clinic-Message"])
        for raw in inbox.messages
    ]


def all_settled() -> bool:
    return not OutboundMessage.objects.filter(status__in=["pending", "sending"]).exists()


def due_reminder_visits(count: int) -> list[int]:
    """`count` confirmed visits whose 2 h reminder fell due 5 minutes ago (booked yesterday)."""
    ids = [
        AppointmentFactory(start=timezone.now() + timedelta(hours=1, minutes=55)).pk
        for _ in range(count)
    ]
    Appointment.objects.filter(pk__in=ids).update(created_at=timezone.now() - timedelta(days=1))
    return ids


def test_booking_yields_one_confirmation_and_the_due_reminder(real_celery, inbox):
    ctype = ConsultationTypeFactory()
    practitioner = PractitionerFactory(consultation_types=[ctype])
    start = weekday_at(5)
    # A reminder offset that falls due a few seconds from now, so the test needs no clock games.
    hours_before = (start - timezone.now() - timedelta(seconds=4)).total_seconds() / 3600
    profile = clinic_profile_get()
    profile.reminder_offsets = f"{hours_before:.6f}, 2"
    profile.save()

    appointment = appointment_book(
        consultation_type=ctype,
        start=start,
        practitioner=practitioner,
        contact=ContactDetails(full_name="Ida Integration", email="ida@example.com"),
    )
    wait_until(lambda: len(inbox.messages) == 2, what="confirmation and clinic notice")
    wait_until(lambda: timezone.now() > start - timedelta(hours=hours_before), what="due time")
    scan_due_messages.delay()
    wait_until(lambda: len(inbox.messages) == 3, what="the reminder")
    time.sleep(0.5)
    scan_due_messages.delay()  # a second scan finds nothing more to send
    time.sleep(1)

    sent = dict(appointment.messages.values_list("pk", "kind"))
    kinds = sorted(sent[pk] for pk in received_ids(inbox))
    assert kinds == sorted([Kind.CONFIRMATION, Kind.STAFF_NEW, Kind.REMINDER])
    assert all_settled()


def test_send_task_run_three_times_sends_one_email(real_celery, inbox):
    message = OutboundMessageFactory(appointment__start=weekday_at(3))
    for _ in range(3):
        deliver_message.delay(message.pk)
    wait_until(lambda: len(inbox.messages) >= 1, what="the email")
    time.sleep(1.5)
    assert received_ids(inbox) == [message.pk]


def test_two_scans_at_once_over_100_due_visits_send_exactly_100(real_celery, inbox):
    due_reminder_visits(100)
    scans = [threading.Thread(target=due_messages_scan) for _ in range(2)]
    for scan in scans:
        scan.start()
    for scan in scans:
        scan.join()

    wait_until(all_settled, timeout=60, what="all 100 reminders")
    ids = received_ids(inbox)
    assert len(ids) == 100
    assert len(set(ids)) == 100
    assert OutboundMessage.objects.filter(kind=Kind.REMINDER, status="sent").count() == 100


def test_smtp_refusing_three_times_then_accepting_gives_one_email(real_celery, inbox):
    inbox.refuse_next(3, "451 4.3.0 Greylisted, try again")
    message = OutboundMessageFactory(appointment__start=weekday_at(3))
    deliver_message.delay(message.pk)

    wait_until(all_settled, what="delivery after three refusals")
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 4)
    assert received_ids(inbox) == [message.pk]


def test_rolled_back_booking_sends_nothing(real_celery, inbox):
    ctype = ConsultationTypeFactory()
    practitioner = PractitionerFactory(consultation_types=[ctype])

    def book_then_fail() -> None:
        with transaction.atomic():
            appointment_book(
                consultation_type=ctype,
                start=weekday_at(4),
                practitioner=practitioner,
                contact=ContactDetails(full_name="Roll Back", email="rb@example.com"),
            )
            raise RuntimeError("payment step failed")

    with pytest.raises(RuntimeError):
        book_then_fail()
    scan_due_messages.delay()
    time.sleep(2)
    assert inbox.messages == []
    assert not OutboundMessage.objects.exists()


def test_stale_beat_turns_healthz_503(real_celery, client, settings):
    scan_due_messages.delay()
    wait_until(lambda: TaskHeartbeat.objects.filter(name=SCAN_HEARTBEAT).exists(), what="a scan")
    assert client.get("/healthz").status_code == 200

    stale = timezone.now() - timedelta(seconds=3 * settings.REMINDER_SCAN_INTERVAL_SECONDS + 1)
    TaskHeartbeat.objects.filter(name=SCAN_HEARTBEAT).update(last_run_at=stale)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"] == {
        "database": True,
        "broker": True,
        "reminders": False,
    }


def test_cancelled_time_is_offered_to_the_right_batch_by_email(real_celery, inbox):
    """Cancel -> hold (same transaction) -> offer task on Redis -> the worker's batch -> the
    ledger's emails at the SMTP server, to the first batch only (urgent, then longest waiting)."""
    ctype = ConsultationTypeFactory()
    doctor = PractitionerFactory(consultation_types=[ctype])
    batch_size = clinic_profile_get().waitlist_batch_size

    def waiting(days: int, **fields):
        patient = PatientFactory(email=f"waiting{days}@example.com")
        return WaitlistEntryFactory(
            patient=patient,
            consultation_type=ctype,
            confirmed_at=timezone.now() - timedelta(days=days),
            **fields,
        )

    urgent = waiting(0, urgent=True, urgent_reason="Cannot walk")
    longest = [waiting(days) for days in range(30, 30 - (batch_size - 1), -1)]
    later = waiting(1)  # the next batch, if no one takes it
    waiting(2, practitioner=PractitionerFactory(consultation_types=[ctype]))  # someone else's
    visit = AppointmentFactory(consultation_type=ctype, practitioner=doctor, start=weekday_at(3))

    appointment_cancel(appointment=visit, apply_patient_rules=False)

    def offer_emails() -> list[bytes]:
        offer_messages = set(
            OutboundMessage.objects.filter(kind="waitlist_offer").values_list("pk", flat=True)
        )
        return [
            raw
            for raw, pk in zip(inbox.messages, received_ids(inbox), strict=True)
            if pk in offer_messages
        ]

    wait_until(lambda: len(offer_emails()) >= batch_size, what="the first batch's offer emails")
    wait_until(all_settled, what="the cancellation emails too")
    time.sleep(1)  # nothing more arrives
    offers = dict(
        WaitlistOffer.objects.filter(hold__freed_appointment=visit).values_list("pk", "entry_id")
    )
    sent = dict(OutboundMessage.objects.values_list("pk", "waitlist_offer_id"))
    received = [pk for pk in received_ids(inbox) if sent[pk] is not None]
    assert len(received) == batch_size  # one email per offer, never twice
    offered_entries = {offers[sent[pk]] for pk in received}
    assert offered_entries == {urgent.pk, *(e.pk for e in longest)}
    assert later.pk not in offered_entries
    recipients = {
        email.message_from_bytes(raw, policy=policy.default)["To"] for raw in offer_emails()
    }
    assert recipients == {e.patient.email for e in (urgent, *longest)}
    body = b" ".join(offer_emails()).decode(errors="replace")
    assert "Cannot walk" not in body  # the urgency reason is health data


def test_worker_killed_mid_batch_loses_and_duplicates_nothing(smtp, inbox, worker, tmp_path):
    worker.stop()  # this test runs its own workers, with a short lease
    celery_app.conf.task_always_eager = False
    lease = 3
    env = {"EMAIL_LEASE_SECONDS": str(lease), "EMAIL_BATCH_SIZE": "25"}
    first = Worker(smtp[1], tmp_path / "first.log", **env).start()
    try:
        due_reminder_visits(100)
        inbox.kill_pid, inbox.kill_at = first.process.pid, 40
        due_messages_scan()
        first.process.wait(timeout=60)
        assert first.process.returncode == -signal.SIGKILL
        assert 30 <= len(inbox.messages) < 100
        stuck = OutboundMessage.objects.filter(status="sending").count()
        assert stuck >= 1  # the batch the killed worker held

        time.sleep(lease + 0.5)
        second = Worker(smtp[1], tmp_path / "second.log", **env).start()
        try:
            due_messages_scan()  # what the next beat tick does
            wait_until(all_settled, timeout=60, what="recovery after the kill")
        finally:
            second.stop()
    finally:
        first.stop()
        worker.start()

    ids = received_ids(inbox)
    assert len(ids) == 100
    assert len(set(ids)) == 100
    assert OutboundMessage.objects.filter(status="sent").count() == 100
