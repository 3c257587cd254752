"""The text message object the ledger hands to an SMS backend, and the errors backends raise."""

from __future__ import annotations

from dataclasses import dataclass

from booking.messaging.kinds import DeliveryError


@dataclass(kw_only=True)
class TextMessage:
    to: str  # E.164, e.g. +14135550199
    body: str
    # Which ledger row and patient it is for, so a backend can name it and record an opt-out.
    message_id: int | None = None
    patient_id: int | None = None
    # Set by a backend whose provider accepted the text (Twilio's MessageSid); the ledger stores
    # it on the row so the provider's delivery reports can find it. Like the Message-ID Django
    # adds to an EmailMessage when sending it.
    provider_id: str = ""


class SmsRejected(DeliveryError):
    """The provider refused this text for good (invalid number, ...): do not retry."""

    transient = False

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class SmsThrottled(DeliveryError):
    """Rate limited or the provider is briefly unavailable: try again after the backoff."""

    transient = True

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class SmsRecipientUnsubscribed(SmsRejected):
    """The recipient replied STOP to our sender (Twilio 21610): recorded as an opt-out."""
