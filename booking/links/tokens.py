"""Private manage links: an unguessable, revocable token that names no id and no personal data.

The token is the appointment's opaque 128-bit reference followed by a keyed HMAC over that
reference and the appointment's token version. Raising the version revokes every link sent so far.
"""

from __future__ import annotations

from django.utils.crypto import constant_time_compare, salted_hmac

from booking.models import Appointment

_SALT = "booking.manage-link"
_REFERENCE_LENGTH = 32  # hex characters of Appointment.reference
_SIGNATURE_LENGTH = 32


def _signature(reference: str, version: int) -> str:
    return salted_hmac(_SALT, f"{reference}:{version}", algorithm="sha256").hexdigest()[
        :_SIGNATURE_LENGTH
    ]


def manage_token(appointment: Appointment) -> str:
    return appointment.reference + _signature(
        appointment.reference, appointment.manage_token_version
    )


def appointment_for_token(token: str, queryset=None) -> Appointment | None:
    """The appointment a manage token opens, or None if it is unknown, tampered or revoked."""
    if not isinstance(token, str) or len(token) != _REFERENCE_LENGTH + _SIGNATURE_LENGTH:
        return None
    reference, signature = token[:_REFERENCE_LENGTH], token[_REFERENCE_LENGTH:]
    queryset = queryset if queryset is not None else Appointment.objects.all()
    appointment = queryset.filter(reference=reference).first()
    if appointment is None:
        return None
    expected = _signature(reference, appointment.manage_token_version)
    return appointment if constant_time_compare(signature, expected) else None
