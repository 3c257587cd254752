"""Sending the ledger's messages (to be completed: content, .ics, reminders, retries)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from booking.models import OutboundMessage, TaskHeartbeat
from booking.selectors import SCAN_HEARTBEAT


def message_deliver(*, message_id: int) -> None:
    """Placeholder: marks the message sent. Replaced by the real sender."""
    with transaction.atomic():
        OutboundMessage.objects.filter(pk=message_id, status=OutboundMessage.Status.PENDING).update(
            status=OutboundMessage.Status.SENT, sent_at=timezone.now()
        )


def due_messages_scan() -> None:
    TaskHeartbeat.objects.update_or_create(
        name=SCAN_HEARTBEAT, defaults={"last_run_at": timezone.now()}
    )
