"""Who the patient is: find or create the patient for a booking's contact details, and merge two
records of the same person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from booking.history import record_history, user_or_none
from booking.models import (
    Appointment,
    Patient,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class ContactDetails:
    full_name: str
    email: str
    phone: str = ""
    date_of_birth: date | None = None
    booked_for_someone_else: bool = False
    booker_name: str = ""


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
            record_history(appointment, acting_user, f"Patient merged into #{keep.pk}")
        take_email = not keep.email and duplicate.email
        for name in ("phone", "date_of_birth"):
            if not getattr(keep, name) and getattr(duplicate, name):
                setattr(keep, name, getattr(duplicate, name))
        email, duplicate_pk = duplicate.email, duplicate.pk
        duplicate._history_user = user_or_none(acting_user)
        duplicate._change_reason = f"Merged into patient #{keep.pk}"
        duplicate.delete()  # first, so its email is free for `keep` (unique, case-insensitive)
        if take_email:
            keep.email = email
        keep._history_user = user_or_none(acting_user)
        keep._change_reason = f"Merged patient #{duplicate_pk} into this one"
        keep.save()
        return keep
