"""Handing the waitlist's work to Celery by task name (the tasks module imports the services,
so the services cannot import it back; see booking/messaging/queue.py)."""

from __future__ import annotations

import logging

from celery import current_app

OFFER_NEXT = "booking.tasks.waitlist_offer_next"
SWEEP = "booking.tasks.waitlist_sweep"

logger = logging.getLogger(__name__)


def offer_next_enqueue(*, hold_id: int, countdown: float | None = None) -> None:
    try:
        current_app.tasks[OFFER_NEXT].apply_async((hold_id,), countdown=countdown)
    except Exception:  # noqa: BLE001
        # The change that freed the time is committed; the periodic sweep offers the hold.
        logger.warning("Waitlist hold %s not enqueued (broker unavailable)", hold_id)
