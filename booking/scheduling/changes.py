"""Changing a booked visit: reschedule, cancel, change status; every status change goes through
one transition table.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.events import AppointmentEvent, EventName, announce
from booking.history import record_history
from booking.messaging.notifications import (
    appointment_cancelled,
    appointment_confirmed,
    appointment_rescheduled,
)
from booking.models import (
    Appointment,
    Practitioner,
)
from booking.profile import clinic_profile_get
from booking.scheduling.clock import clinic_zone
from booking.scheduling.errors import (
    BookingError,
    ChangeNotAllowed,
    ConcurrentChange,
    InvalidTransition,
    SlotUnavailable,
)
from booking.scheduling.guards import free_practitioners_at, lock_practitioners, occupied
from booking.scheduling.loader import rules_for
from booking.scheduling.policies import StatusChangeRequest, status_change_refusal

logger = logging.getLogger(__name__)


Status = Appointment.Status


Source = Appointment.Source


# Which status may follow which; every status change goes through this table.
TRANSITIONS: dict[str, set[str]] = {
    Status.REQUESTED: {Status.CONFIRMED, Status.CANCELLED},
    Status.CONFIRMED: {Status.ARRIVED, Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED},
    Status.ARRIVED: {Status.COMPLETED, Status.CONFIRMED},
    Status.COMPLETED: set(),
    Status.NO_SHOW: {Status.CONFIRMED},
    Status.CANCELLED: set(),
}


def _cutoff_passed(appointment: Appointment, now: datetime) -> bool:
    rules = rules_for(appointment.consultation_type, clinic_profile_get())
    return now > appointment.start - rules.cancellation_cutoff


def appointment_can_change_online(appointment: Appointment, *, now: datetime | None = None) -> bool:
    """Whether the patient may still cancel or reschedule this visit through the manage link."""
    return appointment.is_open and not _cutoff_passed(appointment, now or timezone.now())


def _save_guarded(appointment: Appointment, read_version: int, **changes) -> Appointment:
    """Apply `changes` only if nobody changed the row since we read it (optimistic guard)."""
    updated = Appointment.objects.filter(pk=appointment.pk, version=read_version).update(
        version=F("version") + 1, updated_at=timezone.now(), **changes
    )
    if not updated:
        raise ConcurrentChange()
    appointment.refresh_from_db()
    return appointment


def appointment_reschedule_is_noop(
    appointment: Appointment, *, start: datetime, practitioner: Practitioner | None
) -> bool:
    """Whether moving to `start` with `practitioner` (None: the same one) changes nothing."""
    practitioner_id = practitioner.pk if practitioner else appointment.practitioner_id
    return start == appointment.start and practitioner_id == appointment.practitioner_id


def appointment_reschedule(
    *,
    appointment: Appointment,
    start: datetime,
    practitioner: Practitioner | None = None,
    acting_user: AbstractBaseUser | None = None,
    source: str = Source.ONLINE,
    apply_patient_rules: bool = True,
    hold_id: int | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Move an open appointment to a new time (and optionally practitioner); notifies once.

    The same time with the same practitioner is no change: the appointment comes back as it was.
    """
    if timezone.is_naive(start):
        raise ValueError("start must be timezone-aware")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            current = Appointment.objects.select_related("consultation_type").get(pk=appointment.pk)
            if not current.is_open:
                raise ChangeNotAllowed(_("This appointment is no longer open."))
            wanted = practitioner or current.practitioner
            if appointment_reschedule_is_noop(current, start=start, practitioner=wanted):
                # A replayed POST, a double click or the visit's own time picked again: nothing
                # moves, so nothing is recorded, announced or emailed.
                return current
            if apply_patient_rules and _cutoff_passed(current, now):
                raise ChangeNotAllowed()
            read_version = appointment.version
            if current.version != read_version:
                raise ConcurrentChange()
            ctype = current.consultation_type
            lock_practitioners([wanted.pk])
            free_ids = free_practitioners_at(
                consultation_type=ctype,
                start=start,
                practitioner_id=wanted.pk,
                apply_patient_rules=apply_patient_rules,
                now=now,
                exclude_appointment_id=current.pk,
                hold_id=hold_id,
            )
            if not free_ids:
                raise SlotUnavailable()
            end, occupied_start, occupied_end = occupied(ctype, start)
            previous_start, previous_end = current.start, current.end
            previous_practitioner_id = current.practitioner_id
            with transaction.atomic():
                current = _save_guarded(
                    current,
                    read_version,
                    start=start,
                    end=end,
                    occupied_start=occupied_start,
                    occupied_end=occupied_end,
                    practitioner_id=wanted.pk,
                    sequence=F("sequence") + 1,
                )
            # QuerySet.update() writes no history row; record the change for the audit trail.
            record_history(current, acting_user, "Rescheduled")
            appointment_rescheduled(current, previous_start=previous_start)
            announce(_event(EventName.MOVED, current, previous_start=previous_start))
            announce(
                AppointmentEvent(
                    name=EventName.TIME_FREED,
                    appointment_id=current.pk,
                    consultation_type_id=current.consultation_type_id,
                    practitioner_id=previous_practitioner_id,
                    start=previous_start,
                    end=previous_end,
                )
            )
            return current
    except IntegrityError as exc:
        raise SlotUnavailable() from exc


def appointment_cancel(
    *,
    appointment: Appointment,
    reason: str = "",
    acting_user: AbstractBaseUser | None = None,
    source: str = Source.ONLINE,
    apply_patient_rules: bool = True,
    notify_patient: bool = True,
    now: datetime | None = None,
) -> Appointment:
    """Cancel an open appointment; its pending reminders will never go out."""
    now = now or timezone.now()
    with transaction.atomic():
        current = Appointment.objects.select_related("consultation_type").get(pk=appointment.pk)
        if current.status == Status.CANCELLED:
            return current  # idempotent: a second cancel changes nothing and notifies nobody
        if Status.CANCELLED not in TRANSITIONS[current.status]:
            raise InvalidTransition()
        if apply_patient_rules and _cutoff_passed(current, now):
            raise ChangeNotAllowed()
        current = _save_guarded(
            current,
            appointment.version,
            status=Status.CANCELLED,
            cancellation_reason=reason[:500],
            cancelled_at=now,
            sequence=F("sequence") + 1,
        )
        record_history(current, acting_user, "Cancelled")
        appointment_cancelled(current, notify_patient=notify_patient)
        announce(_event(EventName.CANCELLED, current))
        announce(_event(EventName.TIME_FREED, current))
        return current


# A visit can only be marked as attended, done or missed once its time has come.
_NEEDS_VISIT_STARTED = {Status.COMPLETED, Status.NO_SHOW}


_NEEDS_VISIT_DAY = {Status.ARRIVED}


def appointment_set_status(
    *,
    appointment: Appointment,
    status: str,
    acting_user: AbstractBaseUser | None,
    now: datetime | None = None,
) -> Appointment:
    """Move an appointment along its lifecycle (confirm, arrived, completed, no-show).

    Every change is checked against TRANSITIONS; "arrived" is possible from the visit's day,
    "completed" and "no-show" once the visit has started.
    """
    if status not in Status.values:
        raise InvalidTransition("Unknown appointment status.")
    if status == Status.CANCELLED:
        return appointment_cancel(
            appointment=appointment,
            acting_user=acting_user,
            source=Source.ADMIN,
            apply_patient_rules=False,
            now=now,
        )
    now = now or timezone.now()
    with transaction.atomic():
        current = Appointment.objects.get(pk=appointment.pk)
        if status == current.status:
            return current
        if status not in TRANSITIONS[current.status]:
            raise InvalidTransition(
                f"A {current.get_status_display().lower()} appointment cannot become "
                f"{Status(status).label.lower()}."
            )
        tz = clinic_zone()
        if status in _NEEDS_VISIT_STARTED and now < current.start:
            raise InvalidTransition(
                f"An appointment can only be marked {Status(status).label.lower()} "
                "once it has started."
            )
        if (
            status in _NEEDS_VISIT_DAY
            and now.astimezone(tz).date() < current.start.astimezone(tz).date()
        ):
            raise InvalidTransition("A patient can only arrive on the day of the visit.")
        refusal = status_change_refusal(
            StatusChangeRequest(
                appointment_id=current.pk,
                consultation_type_id=current.consultation_type_id,
                patient_id=current.patient_id,
                status=status,
            )
        )
        if refusal:
            raise InvalidTransition(refusal)
        previous = current.status
        changes: dict = {"status": status}
        if previous == Status.REQUESTED and status == Status.CONFIRMED:
            # The calendar event changes from tentative to confirmed: clients must replace it.
            changes["sequence"] = F("sequence") + 1
        current = _save_guarded(current, current.version, **changes)
        record_history(current, acting_user, f"Status {previous} -> {status}")
        if previous == Status.REQUESTED and status == Status.CONFIRMED:
            appointment_confirmed(current)
        announce(_event(EventName.STATUS_CHANGED, current, previous_status=previous))
        return current


def _event(name: EventName, appointment: Appointment, **extra) -> AppointmentEvent:
    return AppointmentEvent(
        name=name,
        appointment_id=appointment.pk,
        patient_id=appointment.patient_id,
        consultation_type_id=appointment.consultation_type_id,
        practitioner_id=appointment.practitioner_id,
        start=appointment.start,
        end=appointment.end,
        status=appointment.status,
        **extra,
    )


def appointment_confirmation_resend(
    *, appointment: Appointment, acting_user: AbstractBaseUser | None
) -> Appointment:
    """Send the patient their confirmation again (e.g. "I never got the email")."""
    with transaction.atomic():
        current = Appointment.objects.get(pk=appointment.pk)
        if current.status != Status.CONFIRMED:
            raise InvalidTransition("Only a confirmed appointment's confirmation can be re-sent.")
        record_history(current, acting_user, "Confirmation re-sent")
        appointment_confirmed(current)
        return current


def appointments_cancel_for_clinic(
    *, appointments: list[Appointment], reason: str, acting_user: AbstractBaseUser | None
) -> tuple[list[Appointment], list[tuple[Appointment, str]]]:
    """Cancel visits the clinic can no longer hold (time off, closure), each patient told once.

    Each cancellation is its own transaction, so one refused change (already moved, or changed
    meanwhile) does not undo the others. Returns (cancelled, [(refused, why), ...]); cancelling
    an already cancelled visit notifies nobody again.
    """
    cancelled, refused = [], []
    for appointment in appointments:
        if appointment.status == Status.CANCELLED:
            continue
        try:
            cancelled.append(
                appointment_cancel(
                    appointment=appointment,
                    reason=reason,
                    acting_user=acting_user,
                    source=Source.ADMIN,
                    apply_patient_rules=False,
                )
            )
        except BookingError as exc:
            refused.append((appointment, exc.message))
    return cancelled, refused
