"""What the schedule tells patients and the clinic: ledger rows, enqueued after commit.

Services call these inside their transaction. Each creates the email ledger rows for the event
and enqueues their delivery with `transaction.on_commit`, so a rolled-back booking sends nothing.
Reminders are not created here: the periodic scan finds them (booking/tasks.py).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from booking.models import Appointment, OutboundMessage

Kind = OutboundMessage.Kind


def _queue(appointment: Appointment, *kinds: str) -> list[OutboundMessage]:
    now = timezone.now()
    messages = []
    for kind in kinds:
        message, _ = OutboundMessage.objects.get_or_create(
            appointment=appointment, kind=kind, scheduled_for=now
        )
        messages.append(message)
    ids = [m.pk for m in messages]

    def enqueue() -> None:
        from booking.tasks import deliver_message

        for message_id in ids:
            deliver_message.delay(message_id)

    transaction.on_commit(enqueue)
    return messages


def appointment_booked(appointment: Appointment) -> None:
    patient_kind = (
        Kind.REQUEST_RECEIVED
        if appointment.status == Appointment.Status.REQUESTED
        else Kind.CONFIRMATION
    )
    _queue(appointment, patient_kind, Kind.STAFF_NEW)


def appointment_confirmed(appointment: Appointment) -> None:
    _queue(appointment, Kind.CONFIRMATION)


def appointment_rescheduled(appointment: Appointment, *, previous_start: datetime) -> None:
    _queue(appointment, Kind.RESCHEDULED, Kind.STAFF_CHANGED)


def appointment_cancelled(appointment: Appointment, *, notify_patient: bool = True) -> None:
    kinds = [Kind.CANCELLED, Kind.STAFF_CANCELLED] if notify_patient else [Kind.STAFF_CANCELLED]
    _queue(appointment, *kinds)


def manage_links_requested(appointments: list[Appointment]) -> None:
    """A patient asked for their links again ("lost your link?")."""
    for appointment in appointments:
        _queue(appointment, Kind.MANAGE_LINK)
