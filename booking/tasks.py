"""Celery tasks: thin wrappers that take ids and call booking/emails.py.

Celery delivers at least once; the ledger (OutboundMessage) makes every task idempotent.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="booking.tasks.deliver_message")
def deliver_message(message_id: int) -> None:
    from booking import emails

    emails.message_deliver(message_id=message_id)


@shared_task(name="booking.tasks.scan_due_messages")
def scan_due_messages() -> None:
    from booking import emails

    emails.due_messages_scan()


@shared_task(name="booking.tasks.anonymise_expired_intakes")
def anonymise_expired_intakes() -> int:
    from booking import privacy

    return privacy.intakes_anonymise_expired()
