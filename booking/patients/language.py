"""The language a patient reads (issue 17): stored on the patient, and on a waitlist entry, so
every later message uses it whatever language staff work in."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from booking.links.tokens import link_subject_for_token, link_subject_get, link_token_parse
from booking.models import Patient


def _subject(token: str) -> Any | None:
    parsed = link_token_parse(token)
    if parsed is None:
        return None
    model = link_subject_get(parsed.prefix).model
    # One query: the subject with its patient.
    queryset = model.objects.select_related("patient") if model is not None else None
    return link_subject_for_token(token, prefix=parsed.prefix, queryset=queryset)


def _holders(subject: Any) -> list[Any]:
    """What stores the language for a link's subject: the subject itself when it has one (a
    waitlist entry), and its patient."""
    holders = [subject] if hasattr(subject, "language") else []
    patient = getattr(subject, "patient", None)
    if isinstance(patient, Patient):
        holders.append(patient)
    return holders


def language_for_token(token: str) -> str | None:
    """The language to show a private page in, or None for an unknown or revoked link."""
    subject = _subject(token)
    if subject is None:
        return None
    for holder in _holders(subject):
        if holder.language in settings.PATIENT_LANGUAGES:
            return holder.language
    return None


def language_store_for_token(token: str, language: str) -> None:
    """The patient chose a language on a private page: later messages use it too."""
    if language not in settings.PATIENT_LANGUAGES:
        return
    subject = _subject(token)
    if subject is None:
        return
    for holder in _holders(subject):
        type(holder).objects.filter(pk=holder.pk).exclude(language=language).update(
            language=language
        )


def patient_language_set(*, patient_id: int, language: str) -> None:
    """A booking in a language sets the patient's: the latest choice is the one to write in."""
    if language in settings.PATIENT_LANGUAGES:
        Patient.objects.filter(pk=patient_id).exclude(language=language).update(language=language)
