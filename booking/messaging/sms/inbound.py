"""Texts patients send to the clinic's number: keywords acted on, everything else kept to read.

STOP (and the carriers' synonyms) opts the number out; START lifts that; HELP answers with the
clinic's name and phone; C or CONFIRM confirms the next visit a text reminded them of. Twilio's
own opt-out handling also blocks and answers STOP/START on its side; we record them so our
ledger stops creating texts. Replies carry no health details from us and nothing a stranger
who knows the number could learn beyond the clinic's public name and phone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from booking.messaging.sms.compose import format_short, sender_name
from booking.models import Appointment, ClinicProfile, InboundText, Patient

Keyword = InboundText.Keyword

# With the Spanish a reader of Spanish texts may answer in (accents are stripped before the
# match): ALTO and PARAR also opt out (more words to stop is the safe side; docs/deploy.md has
# Twilio's matching custom keywords), AYUDA asks for help, CONFIRMAR confirms.
STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE", "ALTO", "PARAR"}
)
START_WORDS = frozenset({"START", "UNSTOP", "SUBSCRIBE"})
HELP_WORDS = frozenset({"HELP", "INFO", "AYUDA"})
CONFIRM_WORDS = frozenset({"C", "CONFIRM", "CONFIRMED", "CONFIRMAR", "CONFIRMO"})

# What the clinic texts back ({clinic}, {phone}, {when} only), in the language of whoever
# the number belongs to (reply_language): one GSM-7 segment each in English, at most
# SPANISH_REPLY_SEGMENTS UCS-2 segments in Spanish (docs/deploy.md).
SPANISH_REPLY_SEGMENTS = 2
REPLIES = {
    # Translators: a text message, at most 134 characters with a 24-character clinic name and
    # the phone number. Keep the keyword STOP as it is: carriers act on it.
    "help": gettext_lazy(
        "{clinic}: appointment reminders. Help: call {phone}. Reply STOP to end texts."
    ),
    # Translators: a text message, at most 134 characters with a 24-character clinic name and
    # the phone number.
    "no_visit": gettext_lazy("{clinic}: we found no upcoming visit for this number. Call {phone}."),
    # Translators: a text message, at most 134 characters with a 24-character clinic name and
    # a date such as "mié 30 dic, 12:45 p. m.".
    "confirmed": gettext_lazy("{clinic}: thank you, see you {when}."),
}

# "C" confirms a visit no further away than this (reminders go at most 48 hours before).
CONFIRM_WINDOW = timedelta(days=7)


@dataclass(frozen=True, kw_only=True)
class InboundResult:
    text: InboundText
    reply: str  # what to text back ("" = nothing)


def keyword_of(body: str) -> str:
    """The keyword a text is, judged on the whole text (as carriers do): "Stop." is STOP,
    "please stop the reminders" is a reply for staff."""
    word = re.sub(r"[^A-Z]", "", (body or "").strip().upper())
    if word in STOP_WORDS:
        return Keyword.STOP
    if word in START_WORDS:
        return Keyword.START
    if word in HELP_WORDS:
        return Keyword.HELP
    if word in CONFIRM_WORDS:
        return Keyword.CONFIRM
    return Keyword.OTHER


def _patients_with(number: str):
    return Patient.objects.filter(
        Q(phone=number) | Q(appointments__contact_phone=number), anonymised_at__isnull=True
    ).distinct()


def reply_language(patients: list[Patient]) -> str:
    """The language to answer a number in: its patients' when they share one, else English (a
    number shared by a Spanish and an English reader, or unknown)."""
    languages = {p.language if p.language in settings.PATIENT_LANGUAGES else "" for p in patients}
    if len(languages) == 1 and "" not in languages:
        return languages.pop()
    return settings.LANGUAGE_CODE


def _reply(
    name: str, *, language: str, profile: ClinicProfile, when: datetime | None = None
) -> str:
    with translation.override(language):
        return str(REPLIES[name]).format(
            clinic=sender_name(profile),
            phone=profile.phone,
            when=format_short(when) if when else "",
        )


def _visit_to_confirm(number: str, now: datetime) -> Appointment | None:
    return (
        Appointment.objects.filter(
            contact_phone=number,
            sms_opt_in_at__isnull=False,
            status=Appointment.Status.CONFIRMED,
            start__gt=now,
            start__lte=now + CONFIRM_WINDOW,
        )
        .select_related("patient")
        .order_by("start")
        .first()
    )


def inbound_text_receive(
    *,
    provider_sid: str,
    from_number: str,
    body: str,
    profile: ClinicProfile,
    now: datetime | None = None,
) -> InboundResult:
    """Record one received text (once per provider_sid) and act on its keyword."""
    now = now or timezone.now()
    existing = InboundText.objects.filter(provider_sid=provider_sid).first()
    if existing is not None:
        return InboundResult(text=existing, reply="")  # a webhook retry: acted on already
    keyword = keyword_of(body)
    patients = list(_patients_with(from_number))
    appointment = None
    reply = ""
    with transaction.atomic():
        if keyword == Keyword.STOP:
            Patient.objects.filter(
                pk__in=[p.pk for p in patients], sms_opted_out_at__isnull=True
            ).update(sms_opted_out_at=now, sms_opt_out_reason="Replied STOP.")
        elif keyword == Keyword.START:
            Patient.objects.filter(pk__in=[p.pk for p in patients]).update(
                sms_opted_out_at=None, sms_opt_out_reason=""
            )
        elif keyword == Keyword.HELP:
            reply = _reply("help", language=reply_language(patients), profile=profile)
        elif keyword == Keyword.CONFIRM:
            appointment = _visit_to_confirm(from_number, now)
            if appointment is None:
                reply = _reply("no_visit", language=reply_language(patients), profile=profile)
            else:
                Appointment.objects.filter(pk=appointment.pk).update(patient_confirmed_at=now)
                # The reminder this answers went in the visit's patient's language.
                reply = _reply(
                    "confirmed",
                    language=reply_language([appointment.patient]),
                    profile=profile,
                    when=appointment.start,
                )
        try:
            with transaction.atomic():
                text = InboundText.objects.create(
                    provider_sid=provider_sid,
                    from_number=from_number,
                    body=body[:1600],
                    keyword=keyword,
                    received_at=now,
                    patient=appointment.patient if appointment else _only(patients),
                    appointment=appointment,
                    # Only free replies wait for staff; keywords were handled here.
                    read_at=None if keyword == Keyword.OTHER else now,
                )
        except IntegrityError:
            # The same text, delivered twice at once: the other request acts on it.
            return InboundResult(text=InboundText.objects.get(provider_sid=provider_sid), reply="")
    return InboundResult(text=text, reply=reply)


def _only(patients: list[Patient]) -> Patient | None:
    # A shared number (a carer's) may belong to several patients: then we name none.
    return patients[0] if len(patients) == 1 else None


def inbound_texts_mark_read(*, text_ids: list[int], user) -> int:
    return InboundText.objects.filter(pk__in=text_ids, read_at__isnull=True).update(
        read_at=timezone.now(), read_by=user
    )
