"""Opt-in (at booking) and opt-out (STOP, carrier refusal) of text reminders."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from booking.models import Appointment, Patient

# Raised whenever the wording of the "Text me reminders" box changes, so each opt-in records
# which words the patient agreed to.
SMS_CONSENT_VERSION = "2026-11"


def sms_opt_in_fields(*, opted_in: bool, taken_by=None, now: datetime | None = None) -> dict:
    """The Appointment fields that record a booking's opt-in (empty values when not ticked)."""
    if not opted_in:
        return {"sms_opt_in_at": None, "sms_consent_version": "", "sms_consent_taken_by": None}
    user = taken_by if taken_by is not None and taken_by.is_authenticated else None
    return {
        "sms_opt_in_at": now or timezone.now(),
        "sms_consent_version": SMS_CONSENT_VERSION,
        "sms_consent_taken_by": user,
    }


def sms_opt_in_record(
    *, appointment: Appointment, taken_by=None, now: datetime | None = None
) -> None:
    """Record a fresh opt-in on this booking; it also lifts an earlier opt-out of the patient."""
    fields = sms_opt_in_fields(opted_in=True, taken_by=taken_by, now=now)
    Appointment.objects.filter(pk=appointment.pk).update(**fields)
    for name, value in fields.items():
        setattr(appointment, name, value)
    Patient.objects.filter(pk=appointment.patient_id).update(
        sms_opted_out_at=None, sms_opt_out_reason=""
    )


def sms_opt_out_record(*, patient_id: int, reason: str, now: datetime | None = None) -> None:
    Patient.objects.filter(pk=patient_id, sms_opted_out_at__isnull=True).update(
        sms_opted_out_at=now or timezone.now(), sms_opt_out_reason=reason[:200]
    )
