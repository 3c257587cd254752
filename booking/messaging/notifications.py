"""What the schedule tells patients and the clinic: ledger rows, enqueued after commit.

Services call these inside their transaction. Each creates the email ledger rows for the event
and enqueues their delivery on commit, so a rolled-back booking sends nothing. Reminders are not
created here: the periodic scan creates them when they fall due (booking/py); here we
only record the ones whose moment had already passed when the visit was booked or moved.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from booking.messaging.ledger import message_enqueue
from booking.messaging.scan import passed_moments_record
from booking.models import Appointment, OutboundMessage

Kind = OutboundMessage.Kind


def _queue(appointment: Appointment, *kinds: str) -> list[OutboundMessage]:
    now = timezone.now()
    messages = []
    for kind in kinds:
        message, _ = OutboundMessage.objects.get_or_create(
            appointment=appointment,
            kind=kind,
            scheduled_for=now,
            channel=OutboundMessage.Channel.EMAIL,
            defaults={"patient_id": appointment.patient_id},
        )
        message_enqueue(message_id=message.pk)
        messages.append(message)
    return messages


def appointment_booked(appointment: Appointment) -> None:
    if appointment.status == Appointment.Status.REQUESTED:
        _queue(appointment, Kind.REQUEST_RECEIVED, Kind.STAFF_NEW)
        return
    passed_moments_record(appointment=appointment)
    _queue(appointment, Kind.CONFIRMATION, Kind.STAFF_NEW)


def appointment_confirmed(appointment: Appointment) -> None:
    passed_moments_record(appointment=appointment)
    _queue(appointment, Kind.CONFIRMATION)


def appointment_rescheduled(appointment: Appointment, *, previous_start: datetime) -> None:
    # The old time's pending reminders are skipped at send time (they no longer match the
    # visit); the new time's are created by the scan.
    if appointment.status == Appointment.Status.CONFIRMED:
        passed_moments_record(appointment=appointment)
    _queue(appointment, Kind.RESCHEDULED, Kind.STAFF_CHANGED)


def appointment_cancelled(appointment: Appointment, *, notify_patient: bool = True) -> None:
    kinds = [Kind.CANCELLED, Kind.STAFF_CANCELLED] if notify_patient else [Kind.STAFF_CANCELLED]
    _queue(appointment, *kinds)


def manage_links_requested(appointments: list[Appointment]) -> None:
    """A patient asked for their links again ("lost your link?")."""
    for appointment in appointments:
        _queue(appointment, Kind.MANAGE_LINK)
