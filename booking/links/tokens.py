"""Private links: an unguessable, revocable token that names its subject, no id, no personal data.

A token is `<prefix>.<reference><signature>`: the subject's prefix ("a" an appointment; a care
plan or a waitlist entry register their own), its opaque 128-bit reference (32 hex characters)
and a keyed HMAC over prefix, reference and the subject's link version. Raising the version
revokes every link sent so far. Apps register their subjects with `link_subject_register`.

Links sent before subjects were named are 64 hex characters (reference + an HMAC without the
prefix); they still open their appointment until its version is raised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from booking.models import Appointment
from booking.profile import clinic_profile_get

_SALT = "booking.manage-link"
_REFERENCE_LENGTH = 32  # hex characters of a subject's reference
_SIGNATURE_LENGTH = 32
_HEX = frozenset("0123456789abcdef")
APPOINTMENT = "a"
# Tokens made before subjects were named open appointments.
_LEGACY_PREFIX = APPOINTMENT


@dataclass(frozen=True)
class LinkSubject:
    """How to find a subject by its reference, read its link version, and when links expire."""

    prefix: str
    # reference, queryset or None -> the subject or None
    resolve: Callable[..., Any]
    version: Callable[[Any], int]
    reference: Callable[[Any], str]
    # The moment its links stop working (None: not yet known, e.g. the last visit is ahead).
    expires_at: Callable[[Any], datetime | None]
    # token -> the path of the page a link opens (where a short link redirects).
    landing: Callable[[str], str]
    # The subject's model, when it has a `patient` (the private pages' language is theirs).
    model: type | None = None


_subjects: dict[str, LinkSubject] = {}


def link_subject_register(
    prefix: str,
    resolver: Callable[..., Any],
    *,
    version: Callable[[Any], int],
    reference: Callable[[Any], str] = lambda subject: subject.reference,
    expires_at: Callable[[Any], datetime | None] = lambda subject: None,
    landing: Callable[[str], str],
    model: type | None = None,
) -> None:
    """Register a kind of subject private links can open (from the owning app's ready())."""
    if not prefix.isalpha() or not prefix.islower() or len(prefix) > 8:
        raise ValueError("A link prefix is up to 8 lower-case letters.")
    _subjects[prefix] = LinkSubject(
        prefix=prefix,
        resolve=resolver,
        version=version,
        reference=reference,
        expires_at=expires_at,
        landing=landing,
        model=model,
    )


def link_subject_get(prefix: str) -> LinkSubject | None:
    return _subjects.get(prefix)


def _signature(prefix: str | None, reference: str, version: int) -> str:
    value = f"{reference}:{version}" if prefix is None else f"{prefix}:{reference}:{version}"
    return salted_hmac(_SALT, value, algorithm="sha256").hexdigest()[:_SIGNATURE_LENGTH]


def link_token(subject: Any, *, prefix: str) -> str:
    kind = _subjects[prefix]
    reference = kind.reference(subject)
    return f"{prefix}.{reference}{_signature(prefix, reference, kind.version(subject))}"


@dataclass(frozen=True)
class ParsedToken:
    prefix: str
    reference: str
    signature: str
    legacy: bool


def link_token_parse(token: str) -> ParsedToken | None:
    """The parts of a well-formed token (not yet verified), or None."""
    if not isinstance(token, str) or len(token) > 80:
        return None
    prefix, dot, rest = token.rpartition(".")
    legacy = not dot
    if legacy:
        prefix = _LEGACY_PREFIX
    if len(rest) != _REFERENCE_LENGTH + _SIGNATURE_LENGTH or not set(rest) <= _HEX:
        return None
    if prefix not in _subjects:
        return None
    return ParsedToken(
        prefix=prefix,
        reference=rest[:_REFERENCE_LENGTH],
        signature=rest[_REFERENCE_LENGTH:],
        legacy=legacy,
    )


def link_token_matches(parsed: ParsedToken, subject: Any) -> bool:
    """Whether the token was signed for this subject at its current version."""
    kind = _subjects[parsed.prefix]
    if kind.reference(subject) != parsed.reference:
        return False
    expected = _signature(
        None if parsed.legacy else parsed.prefix, parsed.reference, kind.version(subject)
    )
    return constant_time_compare(parsed.signature, expected)


def link_subject_for_token(token: str, *, prefix: str, queryset=None) -> Any | None:
    """The subject a token opens, or None if it is malformed, for another kind, tampered or
    revoked. Expiry is the caller's to show (`link_expired`): it deserves a page of its own."""
    parsed = link_token_parse(token)
    if parsed is None or parsed.prefix != prefix:
        return None
    subject = _subjects[prefix].resolve(parsed.reference, queryset)
    if subject is None or not link_token_matches(parsed, subject):
        return None
    return subject


def link_expired(subject: Any, *, prefix: str, now: datetime) -> bool:
    expires_at = _subjects[prefix].expires_at(subject)
    return expires_at is not None and now >= expires_at


# Appointments: the first subject (booking's own). Later apps register theirs from ready().


def _appointment_resolve(reference: str, queryset=None):
    queryset = queryset if queryset is not None else Appointment.objects.all()
    return queryset.filter(reference=reference).first()


def _appointment_expires_at(appointment: Appointment) -> datetime | None:
    # A link cannot expire before its visit ends; only then is the clinic's rule read.
    if timezone.now() < appointment.end:
        return None
    return appointment.end + timedelta(days=clinic_profile_get().private_link_days)


link_subject_register(
    APPOINTMENT,
    _appointment_resolve,
    version=lambda appointment: appointment.manage_token_version,
    expires_at=_appointment_expires_at,
    landing=lambda token: reverse("booking:manage", args=[token]),
    model=Appointment,
)


def manage_token(appointment: Appointment) -> str:
    return link_token(appointment, prefix=APPOINTMENT)


def appointment_for_token(token: str, queryset=None) -> Appointment | None:
    """The appointment a manage token opens, or None if unknown, tampered or revoked."""
    return link_subject_for_token(token, prefix=APPOINTMENT, queryset=queryset)
