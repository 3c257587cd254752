"""Booking a visit.

Each booking runs in one transaction, re-checks availability on the server (never trusting the
client), and relies on the database as the last word on overlaps: on PostgreSQL an exclusion
constraint over the occupied time, on SQLite a trigger (see the migrations). Any overlap,
whichever check catches it, surfaces as one domain error, `SlotUnavailable`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from booking.events import AppointmentEvent, EventName, announce
from booking.messaging.notifications import appointment_booked
from booking.models import (
    Appointment,
    ConsultationType,
    Patient,
    Practitioner,
    PrivacyAcknowledgement,
)
from booking.patients.identity import ContactDetails, patient_get_or_create
from booking.patients.intake import IntakeDetails
from booking.profile import clinic_profile_get
from booking.scheduling.errors import BookingLimitReached, PlanOnly, SlotUnavailable
from booking.scheduling.guards import (
    candidate_practitioner_ids,
    choose_practitioner,
    free_practitioners_at,
    lock_practitioners,
    occupied,
)
from booking.scheduling.policies import PlanBookingRequest, plan_booking_allowed

logger = logging.getLogger(__name__)


Status = Appointment.Status


Source = Appointment.Source


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
    privacy_read_out_by: AbstractBaseUser | None = None,
    sms_consent_version: str = "",
    plan_request: PlanBookingRequest | None = None,
    patient: Patient | None = None,
    hold_id: int | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Book a visit, or return the one already made with the same idempotency key.

    Raises SlotUnavailable when the time is not (or no longer) free, BookingLimitReached when
    the patient already holds the most open visits allowed online, PlanOnly when a patient books
    a plan-only type that no registered check (see policies.py) allows for `plan_request`.
    `patient`: the patient when already known (a care plan's private link names them), so the
    visit joins their record whatever contact details it carries.
    Patients cannot book inside a waitlist hold, except the one they were offered (`hold_id`).
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
                privacy_read_out_by=privacy_read_out_by,
                sms_consent_version=sms_consent_version,
                plan_request=plan_request,
                patient=patient,
                hold_id=hold_id,
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
    privacy_read_out_by: AbstractBaseUser | None,
    sms_consent_version: str,
    plan_request: PlanBookingRequest | None,
    patient: Patient | None,
    hold_id: int | None,
    now: datetime,
) -> Appointment:
    if idempotency_key:
        existing = Appointment.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    if not consultation_type.active or (practitioner is not None and not practitioner.active):
        raise SlotUnavailable()
    if apply_patient_rules and not plan_booking_allowed(
        consultation_type=consultation_type, request=plan_request
    ):
        raise PlanOnly()

    lock_practitioners(candidate_practitioner_ids(consultation_type, practitioner))
    if idempotency_key:
        # Checked again under the lock: a double-click's twin may have just committed.
        existing = Appointment.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing

    free_ids = free_practitioners_at(
        consultation_type=consultation_type,
        start=start,
        practitioner_id=practitioner.pk if practitioner else None,
        apply_patient_rules=apply_patient_rules,
        hold_id=hold_id,
        now=now,
    )
    if not free_ids:
        raise SlotUnavailable()
    practitioner_id = free_ids[0] if practitioner else choose_practitioner(free_ids, start=start)

    patient = patient or patient_get_or_create(contact=contact)
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

    end, occupied_start, occupied_end = occupied(consultation_type, start)
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
            privacy_acknowledged_how=(
                ""
                if not privacy_notice_version
                else PrivacyAcknowledgement.READ_OUT
                if privacy_read_out_by is not None
                else PrivacyAcknowledgement.ONLINE
            ),
            privacy_acknowledged_by=privacy_read_out_by if privacy_notice_version else None,
            # Text reminders: opted in when a consent wording was shown and ticked; by phone
            # or at the desk, the staff member who took the patient's verbal consent.
            sms_opt_in_at=now if sms_consent_version else None,
            sms_consent_version=sms_consent_version,
            sms_consent_taken_by=(
                acting_user
                if sms_consent_version and acting_user and acting_user.is_authenticated
                else None
            ),
            idempotency_key=idempotency_key or None,
        )
    if sms_consent_version:
        # A fresh, recorded consent lifts an earlier STOP of this patient.
        Patient.objects.filter(pk=patient.pk).update(sms_opted_out_at=None, sms_opt_out_reason="")
    (intake or IntakeDetails()).intake_new(appointment=appointment)
    appointment_booked(appointment)
    announce(
        AppointmentEvent(
            name=EventName.BOOKED,
            appointment_id=appointment.pk,
            patient_id=patient.pk,
            consultation_type_id=consultation_type.pk,
            practitioner_id=practitioner_id,
            start=start,
            end=end,
            status=status,
        )
    )
    return appointment
