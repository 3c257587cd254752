"""Celery tasks: thin wrappers that take ids and call booking/py.

Celery delivers at least once; the ledger (OutboundMessage) makes every task idempotent: a
second run finds its rows already claimed or sent and does nothing.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from booking.messaging.ledger import messages_deliver
from booking.messaging.lost_links import link_request_process
from booking.messaging.scan import due_messages_scan
from booking.patients.data_rights import intakes_anonymise_expired

# Below the lease (EMAIL_LEASE_SECONDS), so a claim never expires while its task still runs,
# and far below the broker's visibility timeout.
_DELIVERY_LIMITS = {
    "soft_time_limit": settings.EMAIL_TASK_TIME_LIMIT_SECONDS - 10,
    "time_limit": settings.EMAIL_TASK_TIME_LIMIT_SECONDS,
    "acks_late": True,
    # A retry's countdown is the backoff the ledger recorded; the attempts are counted there
    # too (EMAIL_MAX_ATTEMPTS), so Celery's own retry cap is off.
    "max_retries": None,
    "bind": True,
}


def _retry_if_needed(task, retry_in: float | None) -> None:
    # Run eagerly (tests, CELERY_TASK_ALWAYS_EAGER) a retry would run at once and raise into
    # the caller, e.g. a patient's booking request; the scan retries once the backoff ends.
    if retry_in is not None and not task.request.is_eager:
        # One second past the backoff lease, so the retry finds the row claimable again.
        raise task.retry(countdown=retry_in + 1)


@shared_task(name="booking.tasks.deliver_message", **_DELIVERY_LIMITS)
def deliver_message(self, message_id: int) -> None:
    _retry_if_needed(self, messages_deliver(message_ids=[message_id]))


@shared_task(name="booking.tasks.deliver_messages", **_DELIVERY_LIMITS)
def deliver_messages(self, message_ids: list[int]) -> None:
    _retry_if_needed(self, messages_deliver(message_ids=message_ids))


@shared_task(
    name="booking.tasks.scan_due_messages",
    acks_late=True,
    soft_time_limit=settings.REMINDER_SCAN_INTERVAL_SECONDS * 2,
    time_limit=settings.REMINDER_SCAN_INTERVAL_SECONDS * 2 + 30,
)
def scan_due_messages() -> None:
    due_messages_scan()


@shared_task(name="booking.tasks.answer_link_request", acks_late=True)
def answer_link_request(request_id: int) -> None:
    link_request_process(request_id=request_id)


@shared_task(name="booking.tasks.anonymise_expired_intakes")
def anonymise_expired_intakes() -> int:

    return intakes_anonymise_expired()
