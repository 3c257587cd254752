"""Every write to the schedule: book, reschedule, cancel, change status.

Each service runs in one transaction, re-checks availability on the server (never trusting the
client), and relies on the database as the last word on overlaps: on PostgreSQL an exclusion
constraint over the occupied time, on SQLite a trigger (see the migrations). Any overlap,
whichever check catches it, surfaces as one domain error, `SlotUnavailable`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from booking import notifications
from booking.availability import clinic_zone, rules_for
from booking.models import (
    Appointment,
    ConsultationType,
    Intake,
    Patient,
    Practitioner,
)
from booking.selectors import available_slots, clinic_profile_get

logger = logging.getLogger(__name__)

Status = Appointment.Status
Source = Appointment.Source


class BookingError(Exception):
    """A booking rule refused the request; `message` is safe to show the patient."""

    default_message = "This booking could not be completed."

    def __init__(self, message: str | None = None):
        self.message = message or self.default_message
        super().__init__(self.message)


class SlotUnavailable(BookingError):
    default_message = "Sorry, that time has just been taken. Please choose another time."


class BookingLimitReached(BookingError):
    default_message = (
        "We can't take this booking online. Please call the clinic and we will help you."
    )


class ChangeNotAllowed(BookingError):
    default_message = "This appointment can no longer be changed online. Please call the clinic."


class InvalidTransition(BookingError):
    default_message = "That status change is not possible for this appointment."


class ConcurrentChange(BookingError):
    default_message = "Someone else changed this appointment at the same time. Please try again."


# Which status may follow which; every status change goes through this table.
TRANSITIONS: dict[str, set[str]] = {
    Status.REQUESTED: {Status.CONFIRMED, Status.CANCELLED},
    Status.CONFIRMED: {Status.ARRIVED, Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED},
    Status.ARRIVED: {Status.COMPLETED, Status.CONFIRMED},
    Status.COMPLETED: set(),
    Status.NO_SHOW: {Status.CONFIRMED},
    Status.CANCELLED: set(),
}


@dataclass(frozen=True, kw_only=True)
class ContactDetails:
    full_name: str
    email: str
    phone: str = ""
    date_of_birth: date | None = None
    booked_for_someone_else: bool = False
    booker_name: str = ""


@dataclass(frozen=True, kw_only=True)
class IntakeDetails:
    joints: list[str] = field(default_factory=list)
    note: str = ""


def _occupied(
    consultation_type: ConsultationType, start: datetime
) -> tuple[datetime, datetime, datetime]:
    end = start + timedelta(minutes=consultation_type.duration_minutes)
    return (
        end,
        start - timedelta(minutes=consultation_type.buffer_before_minutes),
        end + timedelta(minutes=consultation_type.buffer_after_minutes),
    )


def _lock_practitioners(practitioner_ids: list[int]) -> None:
    """Serialise bookings per practitioner, late, right before the capacity check.

    On PostgreSQL a row lock makes a concurrent loser wait and then see the winner's row, so it
    gets a clean "slot taken" instead of a constraint violation. SQLite's IMMEDIATE transactions
    already serialise writers.
    """
    if connection.vendor == "postgresql" and practitioner_ids:
        list(
            Practitioner.objects.select_for_update()
            .filter(pk__in=practitioner_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def _free_practitioners_at(
    *,
    consultation_type: ConsultationType,
    start: datetime,
    practitioner_id: int | None,
    apply_patient_rules: bool,
    now: datetime,
    exclude_appointment_id: int | None = None,
) -> list[int]:
    day = start.astimezone(clinic_zone()).date()
    slots = available_slots(
        consultation_type=consultation_type,
        first_day=day,
        last_day=day,
        practitioner_id=practitioner_id,
        now=now,
        enforce_notice_and_horizon=apply_patient_rules,
        exclude_appointment_id=exclude_appointment_id,
    )
    # Compared in UTC: two datetimes of one zone compare by wall clock, so on the fall-back
    # day 01:30 EDT would equal 01:30 EST.
    wanted = start.astimezone(UTC)
    return [
        slot.practitioner_id for slot in slots.get(day, []) if slot.start.astimezone(UTC) == wanted
    ]


def _candidate_practitioner_ids(
    consultation_type: ConsultationType, practitioner: Practitioner | None
) -> list[int]:
    if practitioner is not None:
        return [practitioner.pk]
    return list(
        Practitioner.objects.filter(active=True, consultation_types=consultation_type).values_list(
            "pk", flat=True
        )
    )


def _choose_practitioner(free_ids: list[int], *, start: datetime) -> int:
    """For "any practitioner": the one with the fewest visits that day, so work is shared."""
    day_start = start.astimezone(clinic_zone()).replace(hour=0, minute=0, second=0, microsecond=0)
    counts = dict.fromkeys(free_ids, 0)
    for pid in (
        Appointment.objects.filter(
            practitioner_id__in=free_ids,
            start__gte=day_start,
            start__lt=day_start + timedelta(days=1),
        )
        .exclude(status=Status.CANCELLED)
        .values_list("practitioner_id", flat=True)
    ):
        counts[pid] += 1
    return min(free_ids, key=lambda pid: (counts[pid], pid))


def patient_get_or_create(*, contact: ContactDetails) -> Patient:
    """The patient with this email, or a new one; an existing patient is never changed."""
    email = contact.email.strip()
    if email:
        existing = Patient.objects.filter(email__iexact=email).order_by("pk").first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            return Patient.objects.create(
                full_name=contact.full_name,
                email=email,
                phone=contact.phone or "",
                date_of_birth=contact.date_of_birth,
            )
    except IntegrityError:
        # Another booking created the same patient a moment ago.
        return Patient.objects.annotate(email_ci=Lower("email")).get(email_ci=email.lower())


def appointment_book(
    *,
    consultation_type: ConsultationType,
    start: datetime,
    contact: ContactDetails,
    practitioner: Practitioner | None = None,
    intake: IntakeDetails | None = None,
    source: str = Source.ONLINE,
    acting_user: AbstractBaseUser | None = None,
    apply_patient_rules: bool = True,
    idempotency_key: str | None = None,
    reminders_enabled: bool = True,
    privacy_notice_version: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Book a visit, or return the one already made with the same idempotency key.

    Raises SlotUnavailable when the time is not (or no longer) free, BookingLimitReached when
    the patient already holds the most open visits allowed online.
    """
    if timezone.is_naive(start):
        raise ValueError("start must be timezone-aware")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return _book(
                consultation_type=consultation_type,
                start=start,
                contact=contact,
                practitioner=practitioner,
                intake=intake,
                source=source,
                acting_user=acting_user,
                apply_patient_rules=apply_patient_rules,
                idempotency_key=idempotency_key,
                reminders_enabled=reminders_enabled,
                privacy_notice_version=privacy_notice_version,
                now=now,
            )
    except IntegrityError as exc:
        if idempotency_key:
            existing = Appointment.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        logger.info("Booking refused by the database's overlap guard: %s", type(exc).__name__)
        raise SlotUnavailable() from exc


def _book(
    *,
    consultation_type: ConsultationType,
    start: datetime,
    contact: ContactDetails,
    practitioner: Practitioner | None,
    intake: IntakeDetails | None,
    source: str,
    acting_user: AbstractBaseUser | None,
    apply_patient_rules: bool,
    idempotency_key: str | None,
    reminders_enabled: bool,
    privacy_notice_version: str,
    now: datetime,
) -> Appointment:
    if idempotency_key:
        existing = Appointment.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    if not consultation_type.active or (practitioner is not None and not practitioner.active):
        raise SlotUnavailable()

    _lock_practitioners(_candidate_practitioner_ids(consultation_type, practitioner))
    if idempotency_key:
        # Checked again under the lock: a double-click's twin may have just committed.
        existing = Appointment.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing

    free_ids = _free_practitioners_at(
        consultation_type=consultation_type,
        start=start,
        practitioner_id=practitioner.pk if practitioner else None,
        apply_patient_rules=apply_patient_rules,
        now=now,
    )
    if not free_ids:
        raise SlotUnavailable()
    practitioner_id = free_ids[0] if practitioner else _choose_practitioner(free_ids, start=start)

    patient = patient_get_or_create(contact=contact)
    if apply_patient_rules:
        if connection.vendor == "postgresql":
            # Two tabs booking different practitioners at once must not both pass the limit.
            Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk").first()
        limit = clinic_profile_get().max_open_appointments_per_patient
        open_count = Appointment.objects.filter(
            patient=patient, status__in=Appointment.OPEN_STATUSES, start__gt=now
        ).count()
        if open_count >= limit:
            raise BookingLimitReached()

    end, occupied_start, occupied_end = _occupied(consultation_type, start)
    status = (
        Status.REQUESTED
        if consultation_type.requires_approval and source == Source.ONLINE
        else Status.CONFIRMED
    )
    with transaction.atomic():  # a savepoint, so a constraint violation leaves the outer usable
        appointment = Appointment.objects.create(
            consultation_type=consultation_type,
            practitioner_id=practitioner_id,
            patient=patient,
            start=start,
            end=end,
            occupied_start=occupied_start,
            occupied_end=occupied_end,
            status=status,
            source=source,
            booked_by=acting_user if acting_user and acting_user.is_authenticated else None,
            contact_name=contact.full_name,
            contact_email=contact.email.strip(),
            contact_phone=contact.phone or "",
            booked_for_someone_else=contact.booked_for_someone_else,
            booker_name=contact.booker_name,
            reminders_enabled=reminders_enabled,
            privacy_notice_version=privacy_notice_version,
            privacy_acknowledged_at=now if privacy_notice_version else None,
            idempotency_key=idempotency_key or None,
        )
    Intake.objects.create(
        appointment=appointment,
        joints=list(intake.joints) if intake else [],
        note=intake.note if intake else "",
    )
    notifications.appointment_booked(appointment)
    return appointment


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


def appointment_reschedule(
    *,
    appointment: Appointment,
    start: datetime,
    practitioner: Practitioner | None = None,
    acting_user: AbstractBaseUser | None = None,
    source: str = Source.ONLINE,
    apply_patient_rules: bool = True,
    now: datetime | None = None,
) -> Appointment:
    """Move an open appointment to a new time (and optionally practitioner); notifies once."""
    if timezone.is_naive(start):
        raise ValueError("start must be timezone-aware")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            current = Appointment.objects.select_related("consultation_type").get(pk=appointment.pk)
            if not current.is_open:
                raise ChangeNotAllowed("This appointment is no longer open.")
            if apply_patient_rules and _cutoff_passed(current, now):
                raise ChangeNotAllowed()
            read_version = appointment.version
            if current.version != read_version:
                raise ConcurrentChange()
            ctype = current.consultation_type
            wanted = practitioner or current.practitioner
            _lock_practitioners([wanted.pk])
            free_ids = _free_practitioners_at(
                consultation_type=ctype,
                start=start,
                practitioner_id=wanted.pk,
                apply_patient_rules=apply_patient_rules,
                now=now,
                exclude_appointment_id=current.pk,
            )
            if not free_ids:
                raise SlotUnavailable()
            end, occupied_start, occupied_end = _occupied(ctype, start)
            previous_start = current.start
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
            _record_history(current, acting_user, "Rescheduled")
            notifications.appointment_rescheduled(current, previous_start=previous_start)
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
        _record_history(current, acting_user, "Cancelled")
        notifications.appointment_cancelled(current, notify_patient=notify_patient)
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
        previous = current.status
        changes: dict = {"status": status}
        if previous == Status.REQUESTED and status == Status.CONFIRMED:
            # The calendar event changes from tentative to confirmed: clients must replace it.
            changes["sequence"] = F("sequence") + 1
        current = _save_guarded(current, current.version, **changes)
        _record_history(current, acting_user, f"Status {previous} -> {status}")
        if previous == Status.REQUESTED and status == Status.CONFIRMED:
            notifications.appointment_confirmed(current)
        return current


def _record_history(appointment: Appointment, acting_user, reason: str) -> None:
    user = acting_user if acting_user is not None and acting_user.is_authenticated else None
    appointment._history_user = user
    appointment.history.model.objects.create(
        **{
            f.attname: getattr(appointment, f.attname)
            for f in appointment.history.model.tracked_fields
        },
        history_date=timezone.now(),
        history_type="~",
        history_user=user,
        history_change_reason=reason,
    )


# --- Intake questionnaire (patient journey) -------------------------------------------------


QUESTIONNAIRE_FIELDS = (
    "pain_score",
    "pain_duration",
    "aggravating_factors",
    "previous_treatments",
    "current_medications",
    "imaging",
)


def intake_update(
    *, appointment: Appointment, answers: dict, now: datetime | None = None
) -> Intake:
    """Save the pre-visit questionnaire's answers to the visit's intake.

    Only the questionnaire's own fields are written (unknown keys are ignored), so a caller can
    never touch the joints or note given at booking, nor any scheduling data.
    """
    now = now or timezone.now()
    changes = {name: answers[name] for name in QUESTIONNAIRE_FIELDS if name in answers}
    with transaction.atomic():
        intake, _ = Intake.objects.select_for_update().get_or_create(appointment=appointment)
        for name, value in changes.items():
            setattr(intake, name, "" if value is None and name != "pain_score" else value)
        intake.questionnaire_completed_at = now
        intake.full_clean(exclude=["appointment", "joints"])
        intake.save()
    return intake


# --- Manage links (patient journey) ----------------------------------------------------------


def manage_links_resend(*, email: str, now: datetime | None = None) -> None:
    """E-mail fresh manage links for the open visits booked with this address (if any).

    Returns nothing and raises nothing for an unknown address: the caller must answer the same
    whether or not the address is on file.
    """
    email = (email or "").strip()
    if not email:
        return
    now = now or timezone.now()
    appointments = list(
        Appointment.objects.filter(
            contact_email__iexact=email, status__in=Appointment.OPEN_STATUSES, start__gt=now
        ).order_by("start")
    )
    if appointments:
        with transaction.atomic():
            notifications.manage_links_requested(appointments)


# --- Patients (staff) ------------------------------------------------------------------------


def patient_merge(*, keep: Patient, duplicate: Patient, acting_user: AbstractBaseUser) -> Patient:
    """Move the duplicate's appointments to `keep` and delete the duplicate.

    Details `keep` lacks (phone, date of birth, email) are taken from the duplicate; nothing
    `keep` already has is overwritten.
    """
    if keep.pk == duplicate.pk:
        raise ValueError("A patient cannot be merged into itself.")
    with transaction.atomic():
        keep = Patient.objects.select_for_update().get(pk=keep.pk)
        duplicate = Patient.objects.select_for_update().get(pk=duplicate.pk)
        moved = list(Appointment.objects.filter(patient=duplicate))
        Appointment.objects.filter(patient=duplicate).update(patient=keep)
        for appointment in moved:
            appointment.patient = keep
            _record_history(appointment, acting_user, f"Patient merged into #{keep.pk}")
        take_email = not keep.email and duplicate.email
        for name in ("phone", "date_of_birth"):
            if not getattr(keep, name) and getattr(duplicate, name):
                setattr(keep, name, getattr(duplicate, name))
        email, duplicate_pk = duplicate.email, duplicate.pk
        duplicate._history_user = _user_or_none(acting_user)
        duplicate._change_reason = f"Merged into patient #{keep.pk}"
        duplicate.delete()  # first, so its email is free for `keep` (unique, case-insensitive)
        if take_email:
            keep.email = email
        keep._history_user = _user_or_none(acting_user)
        keep._change_reason = f"Merged patient #{duplicate_pk} into this one"
        keep.save()
        return keep


# --- Staff ---------------------------------------------------------------------------------------


def _user_or_none(user: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return user if user is not None and user.is_authenticated else None


def appointment_confirmation_resend(
    *, appointment: Appointment, acting_user: AbstractBaseUser | None
) -> Appointment:
    """Send the patient their confirmation again (e.g. "I never got the email")."""
    with transaction.atomic():
        current = Appointment.objects.get(pk=appointment.pk)
        if current.status != Status.CONFIRMED:
            raise InvalidTransition("Only a confirmed appointment's confirmation can be re-sent.")
        _record_history(current, acting_user, "Confirmation re-sent")
        notifications.appointment_confirmed(current)
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
