"""Handing ledger rows to the Celery workers, by task name.

The delivery tasks (tasks.py) call the ledger, so the ledger cannot import them back; it asks
Celery's registry for them by name instead. The names are the tasks' stable public names.
"""

from __future__ import annotations

from celery import current_app

DELIVER_ONE = "booking.tasks.deliver_message"
DELIVER_BATCH = "booking.tasks.deliver_messages"
LINK_REQUEST = "booking.tasks.answer_link_request"


def delivery_enqueue(*, message_id: int) -> None:
    current_app.tasks[DELIVER_ONE].delay(message_id)


def delivery_enqueue_batch(*, message_ids: list[int]) -> None:
    current_app.tasks[DELIVER_BATCH].delay(message_ids)


def link_request_enqueue(*, request_id: int) -> None:
    # The id of a stored "lost your link?" request, never the address itself.
    current_app.tasks[LINK_REQUEST].delay(request_id)
