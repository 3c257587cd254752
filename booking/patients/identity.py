"""Who the patient is: find or create the patient for a booking's contact details, and merge two
records of the same person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Count, Q

from booking.history import record_history, user_or_none
from booking.models import (
    Appointment,
    InboundText,
    OutboundMessage,
    Patient,
    PatientDuplicateFlag,
    WaitlistEntry,
)
from booking.patients.contributors import data_contributors

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class ContactDetails:
    full_name: str
    email: str
    phone: str = ""
    date_of_birth: date | None = None
    booked_for_someone_else: bool = False
    booker_name: str = ""
    # The language the patient booked in ("" keeps what is stored): every message follows it.
    language: str = ""


def _same_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def _lock_identity(*, name: str, date_of_birth: date | None) -> None:
    """With no unique key on a person (contacts are shared), two tabs booking for the same person
    at once would each create a patient, and each stay under the open-visits limit. On PostgreSQL,
    serialise look-up-or-create per name and birth date until the transaction ends; SQLite's
    write transactions are already serial (IMMEDIATE)."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))",
            [f"booking.patient:{_same_name(name)}:{date_of_birth}"],
        )


def patient_get_or_create(*, contact: ContactDetails) -> Patient:
    """The existing patient this is, or a new one; an existing patient is never changed.

    A patient is a person; an email or a phone is a contact detail several people may share
    (a family's address, a carer booking for someone). So a record is reused only when the name,
    the date of birth and the email or the phone all match. Otherwise a new patient is created,
    and a likely duplicate (same name and date of birth, or same phone and date of birth) is
    flagged for staff to merge.
    """
    email = contact.email.strip()
    phone = str(contact.phone or "").strip()
    name = " ".join(contact.full_name.split())
    _lock_identity(name=name, date_of_birth=contact.date_of_birth)
    same_contact = Q()
    if email:
        same_contact |= Q(email__iexact=email)
    if phone:
        same_contact |= Q(phone=phone)
    if same_contact:
        candidates = Patient.objects.filter(
            same_contact,
            date_of_birth=contact.date_of_birth,
            full_name__iexact=name,
            anonymised_at__isnull=True,
        ).order_by("pk")
        for candidate in candidates:
            if _same_name(candidate.full_name) == _same_name(name):
                # A preference, not identity: the latest language chosen is the one to write in.
                if contact.language and candidate.language != contact.language:
                    candidate.language = contact.language
                    Patient.objects.filter(pk=candidate.pk).update(language=contact.language)
                return candidate
    with transaction.atomic():
        patient = Patient.objects.create(
            full_name=name,
            email=email,
            phone=phone,
            date_of_birth=contact.date_of_birth,
            language=contact.language or settings.LANGUAGE_CODE,
        )
        _flag_likely_duplicates(patient)
    return patient


def _flag_likely_duplicates(patient: Patient) -> None:
    if patient.date_of_birth is None:
        return  # name or phone alone is too weak a sign
    others = Patient.objects.exclude(pk=patient.pk).filter(
        date_of_birth=patient.date_of_birth, anonymised_at__isnull=True
    )
    flags = {}
    if patient.phone:
        for other in others.filter(phone=patient.phone):
            flags[other.pk] = PatientDuplicateFlag.Reason.PHONE_AND_BIRTH_DATE
    for other in others.filter(full_name__iexact=patient.full_name):
        flags[other.pk] = PatientDuplicateFlag.Reason.NAME_AND_BIRTH_DATE
    PatientDuplicateFlag.objects.bulk_create(
        PatientDuplicateFlag(patient=patient, other_id=other_pk, reason=reason)
        for other_pk, reason in flags.items()
    )


# What a merge moves from the duplicate to the kept record: (label, model), each by `patient`.
MERGE_MOVES = (
    ("Visits", Appointment),
    ("Messages sent", OutboundMessage),
    ("Texts received", InboundText),
    ("Waitlist entries", WaitlistEntry),
)
MERGE_DETAILS = (("email", "Email"), ("phone", "Phone"), ("date_of_birth", "Born"))


@dataclass(frozen=True)
class MergePreview:
    """Both records side by side before a merge: what each holds, what the kept one takes."""

    keep: Patient
    duplicate: Patient
    # (label, kept record's count, duplicate's count): the duplicate's all move.
    moves: list[tuple[str, int, int]]
    # (label, value) of the details the kept record lacks and takes from the duplicate.
    gains: list[tuple[str, str]]


def patient_merge_preview(*, keep: Patient, duplicate: Patient) -> MergePreview:
    """What `patient_merge` would do, counted without changing anything: one query per kind
    of row (and per other app's contributor and record)."""
    ids = [keep.pk, duplicate.pk]
    moves = []
    for label, model in MERGE_MOVES:
        counts = dict(
            model.objects.filter(patient_id__in=ids)
            .values_list("patient_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        moves.append((label, counts.get(keep.pk, 0), counts.get(duplicate.pk, 0)))
    for contributor in data_contributors():
        if contributor.counts is None:
            continue
        kept, merged = contributor.counts(keep.pk), contributor.counts(duplicate.pk)
        moves.extend((label, kept.get(label, 0), merged.get(label, 0)) for label in merged)
    gains = [
        (label, str(getattr(duplicate, name)))
        for name, label in MERGE_DETAILS
        if not getattr(keep, name) and getattr(duplicate, name)
    ]
    return MergePreview(keep=keep, duplicate=duplicate, moves=moves, gains=gains)


def patient_merge(*, keep: Patient, duplicate: Patient, acting_user: AbstractBaseUser) -> Patient:
    """Move everything of the duplicate's (visits, messages, texts, waitlist entries, and what
    other apps hold, through their data contributors) to `keep`, then delete the duplicate.

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
        # The ledger's rows, the texts and the waitlist entries follow the person (a cascade
        # would delete them with the duplicate); other apps move theirs (care plans are
        # protected: deleting the duplicate would fail).
        for _, model in MERGE_MOVES[1:]:
            model.objects.filter(patient=duplicate).update(patient=keep)
        for contributor in data_contributors():
            if contributor.merge is not None:
                contributor.merge(keep.pk, duplicate.pk)
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
        # Deleting the duplicate resolves its duplicate flags (they cascade); a flag between
        # the two records is resolved by the merge itself.
        duplicate.delete()
        if take_email:
            keep.email = email
        keep._history_user = user_or_none(acting_user)
        keep._change_reason = f"Merged patient #{duplicate_pk} into this one"
        keep.save()
        return keep
