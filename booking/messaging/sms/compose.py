"""What a text says, when it is no longer wanted, and its registration with the ledger.

Texts carry no health details and no consultation type: the clinic's name, the time, and the
private link. They go in the patient's language (the ledger builds them inside its override).
Budgets (docs/deploy.md, measured by tests/booking/messaging/test_sms*.py with the longest text
name, a 40-character SITE_URL, a real short link and the longest date): one GSM-7 segment in
English; in Spanish, which is UCS-2 as soon as a word has á, í, ó or ú, SPANISH_SEGMENTS UCS-2
segments, counted as UCS-2 even when a translation happens to fit GSM-7.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy

from booking.links.paths import short_manage_url
from booking.messaging.kinds import channel_register, message_kind_register
from booking.messaging.sms.backends import sms_connection
from booking.messaging.sms.message import TextMessage
from booking.messaging.sms.quiet import (
    clinic_zone,
    quiet_end_after,
    quiet_hours,
    sms_reminder_moments,
)
from booking.models import Appointment, ClinicProfile, OutboundMessage
from clinic import dates

Kind = OutboundMessage.Kind
SMS = OutboundMessage.Channel.SMS

# A Spanish reminder: 24 + 23 + 59 characters of name, date and link leave no room for a
# sentence in two UCS-2 segments (134 units), so three (201 units): about 90 for the words.
SPANISH_SEGMENTS = 3

# The kinds sent by text, and their wording ({clinic}, {when}, {link} only).
TEXTS = {
    # Translators: a text message. At most 90 characters besides the placeholders (the whole
    # text must fit 3 UCS-2 segments, 201 characters). For example: "{clinic}: su cita es el
    # {when}. Responda C para confirmar. Cambiar o cancelar: {link}". Keep "C": the clinic's
    # number acts on that letter.
    Kind.REMINDER: gettext_lazy(
        "{clinic}: your visit is {when}. Reply C to confirm. Change or cancel: {link}"
    ),
}


def text_link(appointment: Appointment) -> str:
    """The private link a text carries: the short /m/<code> form of the manage link."""
    return short_manage_url(appointment)


def sender_name(profile: ClinicProfile) -> str:
    """How a text names the clinic: its short text name, else its name."""
    return profile.text_name or profile.name


def format_short(moment: datetime) -> str:
    """'Tue Dec 1, 10:00 AM' / 'mar 1 dic, 10:00 a. m.': short enough for a text, in the
    clinic's time and the active language."""
    local = moment.astimezone(clinic_zone())
    clock = dates.clock(local)
    return f"{dates.formatted(local, 'text_day')}, {clock}"


def text_body(*, kind: str, clinic: str, when: str, link: str) -> str:
    """The text in the active language."""
    return str(TEXTS[kind]).format(clinic=clinic, when=when, link=link)


def text_build(message: OutboundMessage, profile: ClinicProfile) -> TextMessage | None:
    appointment = message.appointment
    if not appointment.contact_phone:
        return None
    body = text_body(
        kind=message.kind,
        clinic=sender_name(profile),
        when=format_short(appointment.start),
        link=text_link(appointment),
    )
    return TextMessage(
        to=str(appointment.contact_phone),  # stored as E.164
        body=body,
        message_id=message.pk,
        patient_id=message.patient_id,
    )


def text_skip_reason(message: OutboundMessage, profile: ClinicProfile, now: datetime) -> str:
    """Why this text should no longer go out: the visit as it is now, opt-in and opt-out, quiet
    hours. Text reminders are independent of email reminders (their own opt-in)."""
    appointment = message.appointment
    if appointment.patient.anonymised_at is not None:
        return "The patient's record is anonymised."
    if appointment.sms_opt_in_at is None:
        return "The patient did not opt in to texts."
    if appointment.patient.sms_opted_out_at is not None:
        return "The patient opted out of texts."
    if appointment.status != Appointment.Status.CONFIRMED:
        return "The appointment is not confirmed."
    if appointment.start <= now:
        return "The appointment has already started."
    if message.resent_at is None:
        expected = {
            moment
            for moment, reason in sms_reminder_moments(start=appointment.start, profile=profile)
            if not reason
        }
        if message.scheduled_for not in expected:
            return "The visit moved (or the clinic's reminder times changed)."
        if now - message.scheduled_for > timedelta(minutes=profile.reminder_max_lateness_minutes):
            return "Too late to be useful (later than the clinic's allowed lateness)."
    if quiet_end_after(now, quiet=quiet_hours(profile)) is not None:
        return "Quiet hours: no texts are sent now."
    return ""


def register() -> None:
    """Hand the text channel and its kinds to the ledger; called from BookingConfig.ready()."""
    channel_register(channel=SMS, connection=sms_connection)
    for kind in TEXTS:
        message_kind_register(
            kind=kind, channel=SMS, build=text_build, skip_reason=text_skip_reason
        )
