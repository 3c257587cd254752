"""The waitlist's Celery tasks: ids in, services called, idempotent (a rerun does nothing)."""

from __future__ import annotations

from celery import shared_task

from booking.waitlist.entries import waitlist_entries_expire
from booking.waitlist.offers import hold_offer_next, holds_due
from booking.waitlist.queue import OFFER_NEXT, SWEEP


@shared_task(name=OFFER_NEXT, acks_late=True)
def waitlist_offer_next(hold_id: int) -> int:
    return len(hold_offer_next(hold_id=hold_id))


@shared_task(name=SWEEP, acks_late=True)
def waitlist_sweep() -> int:
    """Every minute (beat): windows whose task was lost, and entries past their time."""
    for hold_id in holds_due():
        hold_offer_next(hold_id=hold_id)
    return waitlist_entries_expire()
