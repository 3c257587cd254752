"""What the ledger knows of each kind of message: how to build it and when to skip it.

The ledger (ledger.py) claims, sends once, retries and records every row the same way, whatever
the message is about. What differs per kind is registered here by the app that owns the kind,
from its AppConfig.ready(): booking registers its appointment messages (compose.py), care plans
their questionnaire invitations, the waitlist its offers. `booking` never imports those apps.

- `build(message, profile)` returns the message to hand to the channel's connection (an
  EmailMessage for email), or None when there is nobody to send it to.
- `skip_reason(message, profile, now)` is the send-time re-check: a non-empty reason skips the
  row (a visit since cancelled, a questionnaire already answered, a plan ended...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from booking.models import ClinicProfile, OutboundMessage

Builder = Callable[[OutboundMessage, ClinicProfile], Any]
SkipCheck = Callable[[OutboundMessage, ClinicProfile, datetime], str]
LanguageOf = Callable[[OutboundMessage], str]


def patient_language(message: OutboundMessage) -> str:
    """Messages to a patient are written in the language they booked or last chose."""
    return message.patient.language or settings.LANGUAGE_CODE


def staff_language(message: OutboundMessage) -> str:
    """Messages to the clinic's staff stay in the back office's language."""
    return settings.LANGUAGE_CODE


@dataclass(frozen=True)
class MessageKind:
    kind: str
    channel: str
    build: Builder
    skip_reason: SkipCheck
    # Who reads it decides the language it is built in (the ledger activates it).
    language: LanguageOf = patient_language


_kinds: dict[tuple[str, str], MessageKind] = {}


class UnknownMessageKind(LookupError):
    pass


def message_kind_register(
    *,
    kind: str,
    build: Builder,
    skip_reason: SkipCheck,
    channel: str = "email",
    language: LanguageOf = patient_language,
) -> None:
    _kinds[(kind, channel)] = MessageKind(
        kind=kind, channel=channel, build=build, skip_reason=skip_reason, language=language
    )


def message_kind_get(*, kind: str, channel: str) -> MessageKind:
    try:
        return _kinds[(kind, channel)]
    except KeyError:
        raise UnknownMessageKind(f"No builder registered for {kind!r} on {channel!r}") from None


class DeliveryError(Exception):
    """An error a channel's connection raises knowing whether a retry may help (`transient`);
    the ledger retries transient ones with backoff and fails the rest at once."""

    transient: bool = False


# Channels: a factory of Django-email-backend-like connections (open(), send_messages([...]),
# close()). Email is Django's configured mailer; a text-message backend registers "sms".
ConnectionFactory = Callable[[], Any]
_channels: dict[str, ConnectionFactory] = {}


def channel_register(*, channel: str, connection: ConnectionFactory) -> None:
    _channels[channel] = connection


def channel_connection(*, channel: str) -> Any:
    return _channels[channel]()
