"""Appointment events: what the booking services announce, after commit, to other apps.

The services say what happened (a visit booked, moved, cancelled, its status changed, time freed)
with ids and times only, never a name or a health detail; receivers that other apps register in
their AppConfig.ready() hear it once the transaction has committed, and never after a rollback.
This is how the waitlist learns of freed time and care plans of moved or completed visits
without `booking` importing them. Receivers run in the request or task that made the change:
they should be quick (typically enqueue a Celery task with the ids). A failing receiver is
logged and does not undo the change, nor stop the other receivers.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.db import transaction

logger = logging.getLogger(__name__)


class EventName(StrEnum):
    BOOKED = "booked"
    MOVED = "moved"
    CANCELLED = "cancelled"
    STATUS_CHANGED = "status_changed"
    # Bookable time became free: a cancellation or a move (the old time), and, announced by the
    # back office, time off or a closure removed, or working hours added.
    TIME_FREED = "time_freed"


@dataclass(frozen=True, kw_only=True)
class AppointmentEvent:
    name: EventName
    appointment_id: int | None = None
    patient_id: int | None = None
    consultation_type_id: int | None = None
    practitioner_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    status: str = ""
    previous_status: str = ""
    previous_start: datetime | None = None


Receiver = Callable[[AppointmentEvent], None]
_receivers: dict[EventName, list[Receiver]] = defaultdict(list)
# Receivers that must act in the same transaction as the change (the waitlist's hold on freed
# time, so the public cannot book it before the offer goes out). Each runs in a savepoint:
# a failure is logged and rolled back on its own, never undoing the change that announced it.
_in_transaction: dict[EventName, list[Receiver]] = defaultdict(list)


def subscribe(name: EventName, receiver: Receiver) -> None:
    """Register `receiver` for events called `name` (idempotent: registering twice is once)."""
    if receiver not in _receivers[name]:
        _receivers[name].append(receiver)


def unsubscribe(name: EventName, receiver: Receiver) -> None:
    if receiver in _receivers[name]:
        _receivers[name].remove(receiver)


def subscribe_in_transaction(name: EventName, receiver: Receiver) -> None:
    """Register `receiver` to run inside the announcing transaction (keep it to a few queries)."""
    if receiver not in _in_transaction[name]:
        _in_transaction[name].append(receiver)


def unsubscribe_in_transaction(name: EventName, receiver: Receiver) -> None:
    if receiver in _in_transaction[name]:
        _in_transaction[name].remove(receiver)


def announce(event: AppointmentEvent) -> None:
    """Run the in-transaction receivers now, then deliver `event` to the others once the current
    transaction commits (at once outside one); a rolled-back transaction delivers nothing."""
    for receiver in list(_in_transaction[event.name]):
        try:
            with transaction.atomic():
                receiver(event)
        except Exception:
            logger.exception("In-transaction receiver %r failed for %s", receiver, event.name)
    transaction.on_commit(lambda: _dispatch(event))


def _dispatch(event: AppointmentEvent) -> None:
    for receiver in list(_receivers[event.name]):
        try:
            receiver(event)
        except Exception:
            logger.exception("Receiver %r failed for event %s", receiver, event.name)
