"""The patient record as data: visits with status, no-shows and late cancellations, messages,
the privacy acknowledgement, likely duplicates, and (health roles only) the answers given.
A fixed number of queries however many visits the patient has."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from booking.models import Appointment, OutboundMessage, Patient, PatientDuplicateFlag
from booking.profile import clinic_profile_get

Status = Appointment.Status


@dataclass(slots=True)
class PatientRecord:
    patient: Patient
    upcoming: list[Appointment] = field(default_factory=list)
    past: list[Appointment] = field(default_factory=list)
    no_shows: int = 0
    late_cancellations: int = 0
    messages: list[OutboundMessage] = field(default_factory=list)
    privacy: Appointment | None = None
    # (appointment, intake) pairs, filled only for users who may read health details
    answers: list = field(default_factory=list)
    duplicates: list[Patient] = field(default_factory=list)


def is_late_cancellation(appointment: Appointment, *, default_cutoff_hours: int) -> bool:
    """Cancelled after the cut-off (the type's, else the clinic's) before the visit."""
    if appointment.status != Status.CANCELLED or appointment.cancelled_at is None:
        return False
    hours = appointment.consultation_type.cancellation_cutoff_hours
    cutoff = timedelta(hours=default_cutoff_hours if hours is None else hours)
    return appointment.cancelled_at > appointment.start - cutoff


def patient_record(*, patient: Patient, user, now: datetime | None = None) -> PatientRecord:
    now = now or timezone.now()
    sees_all = user.has_perm("booking.view_all_schedules")
    health = user.has_perm("booking.view_health_details")
    visits = Appointment.objects.filter(patient=patient).select_related(
        "consultation_type", "practitioner"
    )
    if not sees_all:
        visits = visits.filter(practitioner__user=user)
    if health:
        visits = visits.select_related("intake")
    record = PatientRecord(patient=patient)
    cutoff_hours = clinic_profile_get().cancellation_cutoff_hours
    for visit in visits.order_by("-start"):
        if visit.start >= now and visit.status != Status.CANCELLED:
            record.upcoming.append(visit)
        else:
            record.past.append(visit)
        record.no_shows += visit.status == Status.NO_SHOW
        record.late_cancellations += is_late_cancellation(visit, default_cutoff_hours=cutoff_hours)
        if record.privacy is None and visit.privacy_acknowledged_at is not None:
            record.privacy = visit
        if health:
            intake = getattr(visit, "intake", None)
            if intake is not None and intake.anonymised_at is None:
                record.answers.append((visit, intake))
    record.upcoming.reverse()  # soonest first
    messages = OutboundMessage.objects.filter(patient=patient).order_by("-scheduled_for", "-pk")
    if not sees_all:
        messages = messages.filter(
            Q(appointment__practitioner__user=user) | Q(appointment__isnull=True)
        )
    record.messages = list(messages.select_related("appointment")[:50])
    if sees_all:
        # Both directions: the flag sits on the newer record.
        flags = PatientDuplicateFlag.objects.filter(Q(patient=patient) | Q(other=patient))
        ids = {pk for pair in flags.values_list("patient_id", "other_id") for pk in pair}
        ids.discard(patient.pk)
        if ids:
            record.duplicates = list(
                Patient.objects.filter(pk__in=ids, anonymised_at__isnull=True).order_by("pk")
            )
    return record
