"""Patient data rights: export everything held about a patient, anonymise on request, and the
retention job that anonymises intake answers a set time after the visit.

Every export and anonymisation writes an AuditEvent. Audit summaries carry counts and ids only,
never a name, an address or a health detail.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Max, Q
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber

from booking.models import Appointment, AuditEvent, Intake, OutboundMessage, Patient, WaitlistEntry
from booking.patients.contributors import data_contributors
from booking.patients.waitlist_data import waitlist_anonymise, waitlist_export
from booking.profile import clinic_profile_get

logger = logging.getLogger(__name__)

EXPORT_FORMAT_VERSION = 1
EXPORT_PERMISSION = "booking.export_patient_data"
ANONYMISE_PERMISSION = "booking.anonymise_patient"
SYSTEM_ACTOR = "system:retention"

# What anonymisation blanks, per model; the history rows of each model get the same treatment.
PATIENT_SCRUB = {"email": "", "phone": "", "date_of_birth": None}
APPOINTMENT_SCRUB = {
    "contact_name": "Anonymised",
    "contact_email": "",
    "contact_phone": "",
    "booker_name": "",
    "cancellation_reason": "",
}
INTAKE_SCRUB = {
    "joints": [],
    "note": "",
    "pain_score": None,
    "pain_duration": "",
    "aggravating_factors": "",
    "previous_treatments": "",
    "current_medications": "",
    "imaging": "",
}
INTAKE_BATCH_SIZE = 500


class AnonymisationRefused(Exception):
    """The retention rules forbid anonymising now; `message` is safe to show staff."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def _audit(
    *, action: str, acting_user: AbstractBaseUser | None, patient_id: int | None, summary: str
) -> AuditEvent:
    return AuditEvent.objects.create(
        action=action,
        actor=acting_user if acting_user is not None and acting_user.pk else None,
        actor_label=acting_user.get_username() if acting_user is not None else SYSTEM_ACTOR,
        patient_id=patient_id,
        summary=summary[:500],
    )


def _require(acting_user: AbstractBaseUser, permission: str) -> None:
    if not (acting_user.is_active and acting_user.has_perm(permission)):
        raise PermissionDenied(f"This needs the {permission} permission.")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | PhoneNumber):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _row(instance: models.Model, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    skip = set(exclude)
    return {
        field.attname: _plain(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if field.attname not in skip
    }


def _history_rows(queryset) -> list[dict[str, Any]]:
    return [_row(row) for row in queryset.order_by("history_date", "history_id")]


def patient_export(*, patient: Patient, acting_user: AbstractBaseUser) -> dict[str, Any]:
    """Everything held about a patient, as plain JSON-ready data (one file when dumped)."""
    _require(acting_user, EXPORT_PERMISSION)
    appointments = list(
        Appointment.objects.filter(patient=patient)
        .select_related("consultation_type", "practitioner", "intake")
        .order_by("start", "pk")
    )
    appointment_ids = [a.pk for a in appointments]
    messages_by_appointment: dict[int, list[dict[str, Any]]] = {}
    for message in OutboundMessage.objects.filter(appointment_id__in=appointment_ids).order_by(
        "scheduled_for", "pk"
    ):
        messages_by_appointment.setdefault(message.appointment_id, []).append(
            _row(message, exclude=("lease_until",))
        )

    exported_appointments = []
    for appointment in appointments:
        intake = getattr(appointment, "intake", None) if hasattr(appointment, "intake") else None
        exported_appointments.append(
            {
                # The reference is what the patient quotes on the phone; the occupied window and
                # the concurrency counters are scheduling internals, not their data.
                **_row(
                    appointment,
                    exclude=("occupied_start", "occupied_end", "version", "manage_token_version"),
                ),
                "consultation_type_name": appointment.consultation_type.name,
                "practitioner_name": str(appointment.practitioner),
                "intake": _row(intake) if intake is not None else None,
                "messages": messages_by_appointment.get(appointment.pk, []),
            }
        )

    history = {
        "patient": _history_rows(Patient.history.filter(id=patient.pk)),
        "appointments": _history_rows(
            Appointment.history.filter(Q(id__in=appointment_ids) | Q(patient_id=patient.pk))
        ),
        "intakes": _history_rows(Intake.history.filter(appointment_id__in=appointment_ids)),
    }
    data = {
        "format_version": EXPORT_FORMAT_VERSION,
        "generated_at": timezone.now().isoformat(),
        "generated_by": acting_user.get_username(),
        "patient": _row(patient),
        "appointments": exported_appointments,
        "waitlist_entries": waitlist_export(patient_id=patient.pk, row=_row),
        "history": history,
        "audit_trail": [
            _row(event, exclude=("actor_id",))
            for event in AuditEvent.objects.filter(patient_id=patient.pk)
        ],
    }
    # Other apps' rows (care plans, answers, consents...) under their own keys.
    for contributor in data_contributors():
        data[contributor.name] = contributor.export(patient.pk)
    history_count = sum(len(rows) for rows in history.values())
    _audit(
        action=AuditEvent.Action.PATIENT_EXPORTED,
        acting_user=acting_user,
        patient_id=patient.pk,
        summary=(
            f"Exported patient {patient.pk}: {len(appointments)} appointment(s), "
            f"{history_count} history row(s)."
        ),
    )
    logger.info("patient export", extra={"patient_id": patient.pk})
    return data


def patient_export_json(*, patient: Patient, acting_user: AbstractBaseUser) -> str:
    """The export as one JSON document, for a download or a file."""
    return json.dumps(patient_export(patient=patient, acting_user=acting_user), indent=2)


def patient_anonymise_refusal(*, patient: Patient, now: datetime | None = None) -> str | None:
    """Why the patient cannot be anonymised now, or None when the retention rules allow it."""
    now = now or timezone.now()
    if patient.anonymised_at is not None:
        return "This patient has already been anonymised."
    appointments = Appointment.objects.filter(patient=patient)
    if appointments.filter(status__in=Appointment.OPEN_STATUSES, end__gt=now).exists():
        return (
            "This patient has upcoming visits. Cancel them first; a patient cannot be "
            "anonymised while the clinic still expects them."
        )
    retention_days = settings.PATIENT_RECORD_RETENTION_DAYS
    if retention_days:
        last_visit_end = appointments.exclude(status=Appointment.Status.CANCELLED).aggregate(
            last=Max("end")
        )["last"]
        if last_visit_end is not None and last_visit_end > now - timedelta(days=retention_days):
            allowed_on = (last_visit_end + timedelta(days=retention_days)).date()
            return (
                "The clinic must keep this patient's records for "
                f"{retention_days} days after the last visit (until {allowed_on})."
            )
    return None


def patient_anonymise(
    *, patient: Patient, acting_user: AbstractBaseUser, now: datetime | None = None
) -> Patient:
    """Blank the patient's identity, contact details and intake answers, history rows included.

    Appointments stay (without contact details), so the schedule and the statistics still add
    up. Raises AnonymisationRefused when the retention rules forbid it.
    """
    _require(acting_user, ANONYMISE_PERMISSION)
    now = now or timezone.now()
    with transaction.atomic():
        # The lock makes the "no upcoming visits" check hold until commit: a booking for this
        # patient that races us waits, then finds the patient anonymised.
        patient = Patient.objects.select_for_update().get(pk=patient.pk)
        refusal = patient_anonymise_refusal(patient=patient, now=now)
        if refusal:
            raise AnonymisationRefused(refusal)

        appointment_ids = list(
            Appointment.objects.filter(patient=patient).values_list("pk", flat=True)
        )
        anonymous_name = f"Anonymised patient {patient.pk}"
        Patient.objects.filter(pk=patient.pk).update(
            full_name=anonymous_name, anonymised_at=now, **PATIENT_SCRUB
        )
        Patient.history.filter(id=patient.pk).update(full_name=anonymous_name, **PATIENT_SCRUB)

        Appointment.objects.filter(pk__in=appointment_ids).update(**APPOINTMENT_SCRUB)
        Appointment.history.filter(Q(id__in=appointment_ids) | Q(patient_id=patient.pk)).update(
            **APPOINTMENT_SCRUB
        )
        intake_count = _intakes_scrub(appointment_ids=appointment_ids, now=now)
        other_count = sum(c.anonymise(patient.pk, now) for c in data_contributors())
        entry_ids = waitlist_anonymise(patient_id=patient.pk, now=now)

        # A queued email would go to an address we no longer hold; SMTP errors quote addresses.
        OutboundMessage.objects.filter(
            Q(appointment_id__in=appointment_ids) | Q(patient=patient),
            status__in=[OutboundMessage.Status.PENDING, OutboundMessage.Status.FAILED],
        ).update(status=OutboundMessage.Status.SKIPPED)
        messages = OutboundMessage.objects.filter(
            Q(appointment_id__in=appointment_ids) | Q(patient=patient)
        )
        messages.update(last_error="")
        other_objects: dict[type[models.Model], list[int]] = {}
        for contributor in data_contributors():
            if contributor.admin_objects is not None:
                other_objects.update(contributor.admin_objects(patient.pk))
        _admin_log_scrub(
            {
                **other_objects,
                Patient: [patient.pk],
                Appointment: appointment_ids,
                Intake: list(
                    Intake.objects.filter(appointment_id__in=appointment_ids).values_list(
                        "pk", flat=True
                    )
                ),
                OutboundMessage: list(messages.values_list("pk", flat=True)),
                WaitlistEntry: entry_ids,
            },
            patient_repr=anonymous_name,
        )

        _audit(
            action=AuditEvent.Action.PATIENT_ANONYMISED,
            acting_user=acting_user,
            patient_id=patient.pk,
            summary=(
                f"Anonymised patient {patient.pk}: {len(appointment_ids)} appointment(s), "
                f"{intake_count} intake(s), {len(entry_ids)} waitlist entry(ies), "
                f"{other_count} other record(s), history rows included."
            ),
        )
    patient.refresh_from_db()
    return patient


def _admin_log_scrub(objects: dict[type[models.Model], list[int]], *, patient_repr: str) -> None:
    """Django's admin log copies str(obj) into object_repr (a patient's name) and keeps it after
    the row changes; a staff note may quote details in change_message. Both are blanked for the
    patient's rows; the entry itself (who did what, when) stays."""
    for model, pks in objects.items():
        if not pks:
            continue
        entries = LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=[str(pk) for pk in pks],
        )
        label = patient_repr if model is Patient else f"{model._meta.verbose_name} (anonymised)"
        entries.update(object_repr=label, change_message="")


def _intakes_scrub(*, appointment_ids: list[int], now: datetime) -> int:
    count = Intake.objects.filter(appointment_id__in=appointment_ids).update(
        anonymised_at=now, updated_at=now, **INTAKE_SCRUB
    )
    Intake.history.filter(appointment_id__in=appointment_ids).update(**INTAKE_SCRUB)
    return count


def intakes_anonymise_expired(*, now: datetime | None = None) -> int:
    """Anonymise intake answers of visits that ended more than the clinic's
    `intake_retention_days` ago; returns how many intakes were anonymised. Idempotent."""
    now = now or timezone.now()
    retention_days = clinic_profile_get().intake_retention_days
    cutoff = now - timedelta(days=retention_days)
    expired = Intake.objects.filter(anonymised_at__isnull=True, appointment__end__lt=cutoff)
    total = 0
    while True:
        # Batches keep each transaction (and its locks) short on a large back catalogue.
        with transaction.atomic():
            batch = list(
                expired.select_for_update(of=("self",))
                .order_by("pk")
                .values_list("appointment_id", "appointment__patient_id")[:INTAKE_BATCH_SIZE]
            )
            if not batch:
                break
            appointment_ids = [appointment_id for appointment_id, _ in batch]
            count = _intakes_scrub(appointment_ids=appointment_ids, now=now)
            per_patient: dict[int, int] = {}
            for _, patient_id in batch:
                per_patient[patient_id] = per_patient.get(patient_id, 0) + 1
            AuditEvent.objects.bulk_create(
                AuditEvent(
                    action=AuditEvent.Action.INTAKE_EXPIRED,
                    actor_label=SYSTEM_ACTOR,
                    patient_id=patient_id,
                    summary=(
                        f"Anonymised {n} intake(s) of patient {patient_id} older than "
                        f"{retention_days} days after the visit."
                    ),
                    created_at=now,
                )
                for patient_id, n in per_patient.items()
            )
            total += count
    if total:
        logger.info("anonymised %d expired intake(s)", total)
    # Other apps' answers expire with the same job (each idempotent, each its own audit).
    for contributor in data_contributors():
        if contributor.expire is None:
            continue
        with transaction.atomic():
            per_patient = contributor.expire(now)
            AuditEvent.objects.bulk_create(
                AuditEvent(
                    action=AuditEvent.Action.INTAKE_EXPIRED,
                    actor_label=SYSTEM_ACTOR,
                    patient_id=patient_id,
                    summary=(
                        f"Anonymised {n} {contributor.name} answer(s) of patient {patient_id} "
                        f"older than {retention_days} days."
                    ),
                    created_at=now,
                )
                for patient_id, n in per_patient.items()
            )
        total += sum(per_patient.values())
    return total
