"""Finding a patient at the front desk: by name, phone, date of birth or a short booking
reference, in one query (two for a reference), within what the user may see."""

from __future__ import annotations

import re
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet

from booking.models import Appointment, Patient
from booking.models.appointments import (
    SHORT_REFERENCE_ALPHABET,
    SHORT_REFERENCE_LENGTH,
    normalise_short_reference,
)

SEARCH_LIMIT = 25
_SHORT_REF = re.compile(f"[{SHORT_REFERENCE_ALPHABET}]{{{SHORT_REFERENCE_LENGTH}}}", re.ASCII)
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
_SLASH_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})", re.ASCII)
_NOT_DIGIT = re.compile(r"[^0-9]", re.ASCII)


def _dates(text: str) -> list[date]:
    """ISO dates, and a slashed date read both ways (3/4/1960 is March 4th or 3 April)."""
    candidates = []
    if m := _ISO_DATE.fullmatch(text):
        candidates.append((int(m[1]), int(m[2]), int(m[3])))
    elif m := _SLASH_DATE.fullmatch(text):
        a, b, year = int(m[1]), int(m[2]), int(m[3])
        candidates += [(year, a, b), (year, b, a)]
    found = []
    for y, mo, d in candidates:
        try:
            found.append(date(y, mo, d))
        except ValueError:
            continue
    return found


def visible_patients(*, user) -> QuerySet:
    """Patients the user may open: all for reception and the manager, a clinician's own."""
    qs = Patient.objects.filter(anonymised_at__isnull=True)
    if user.has_perm("booking.view_all_schedules"):
        return qs
    return qs.filter(
        Exists(Appointment.objects.filter(patient=OuterRef("pk"), practitioner__user=user))
    )


def patient_search(*, query: str, user) -> list[Patient]:
    """Patients matching the query, best kind of match first; [] for an empty or odd query."""
    text = " ".join(query.split())[:100]
    if len(text) < 2:
        return []
    patients = visible_patients(user=user)
    reference = normalise_short_reference(text)
    if _SHORT_REF.fullmatch(reference):
        by_reference = list(
            patients.filter(appointments__short_reference=reference).distinct()[:SEARCH_LIMIT]
        )
        if by_reference:
            return by_reference
    if dates := _dates(text):
        return list(
            patients.filter(date_of_birth__in=dates).order_by("full_name", "pk")[:SEARCH_LIMIT]
        )
    digits = _NOT_DIGIT.sub("", text)
    if len(digits) >= 6 and len(digits) >= len(text.replace(" ", "")) - 4:
        # A phone number however typed: stored numbers are E.164 (+14135550101).
        return list(
            patients.filter(phone__contains=digits[-10:]).order_by("full_name", "pk")[:SEARCH_LIMIT]
        )
    words = Q()
    for word in text.split(" ")[:5]:
        words &= Q(full_name__icontains=word)
    return list(
        patients.filter(words | Q(email__iexact=text)).order_by("full_name", "pk")[:SEARCH_LIMIT]
    )
