"""The ledger enqueues deliveries by task name (booking.messaging.queue), never by import."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from celery import current_app
from django.conf import settings
from django.utils import timezone

from booking.messaging.ledger import message_enqueue
from booking.messaging.queue import DELIVER_BATCH, DELIVER_ONE
from booking.models import OutboundMessage
from tests.factories import OutboundMessageFactory

pytestmark = pytest.mark.django_db


def test_a_fresh_django_process_registers_the_delivery_tasks_by_name():
    # Nothing but django.setup(): a web process never imports the tasks module itself, so
    # BookingConfig.ready must. A missing name would read as a broker outage and be logged only.
    check = (
        "import django; django.setup(); from celery import current_app as app; "
        f"print({DELIVER_ONE!r} in app.tasks, {DELIVER_BATCH!r} in app.tasks)"
    )
    result = subprocess.run(
        [sys.executable, "-c", check],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        env={"DJANGO_SETTINGS_MODULE": "clinic.settings", "PATH": "/usr/bin:/bin"},
    )
    assert result.stdout.split() == ["True", "True"]


def _message() -> OutboundMessage:
    return OutboundMessageFactory(appointment__start=timezone.now() + timedelta(days=3))


def test_enqueued_message_is_delivered_after_commit(mailoutbox, django_capture_on_commit_callbacks):
    message = _message()
    with django_capture_on_commit_callbacks(execute=True):
        message_enqueue(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT
    assert len(mailoutbox) == 1


def test_broker_outage_leaves_the_message_pending_for_the_scan(
    monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unavailable")

    monkeypatch.setattr(current_app.tasks[DELIVER_ONE], "delay", broker_down)
    message = _message()
    with django_capture_on_commit_callbacks(execute=True):
        message_enqueue(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.PENDING
    assert mailoutbox == []
