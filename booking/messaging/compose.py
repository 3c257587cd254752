"""Composing one message of the ledger: its subject, body, recipients and calendar part, and the
send-time check that skips a message whose visit no longer wants it.
"""

from __future__ import annotations

import email.policy
from datetime import UTC, datetime, timedelta
from email.message import MIMEPart
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from booking.links.paths import absolute, manage_url, questionnaire_url
from booking.messaging.ics import appointment_ics
from booking.messaging.kinds import (
    channel_register,
    message_kind_register,
    patient_language,
    staff_language,
)
from booking.models import (
    Appointment,
    ClinicProfile,
    Intake,
    OutboundMessage,
    localized,
)
from clinic import dates

Kind = OutboundMessage.Kind


MessageStatus = OutboundMessage.Status


AppointmentStatus = Appointment.Status


STAFF_KINDS = frozenset({Kind.STAFF_NEW, Kind.STAFF_CHANGED, Kind.STAFF_CANCELLED})


WITH_CALENDAR = frozenset({Kind.CONFIRMATION, Kind.RESCHEDULED, Kind.CANCELLED})


# Patient subjects are translated when the ledger builds the message, inside its override of
# the reader's language; staff subjects stay English (kinds.staff_language), so are not marked.
SUBJECTS = {
    Kind.CONFIRMATION: gettext_lazy("Your appointment at %(clinic)s is confirmed: %(when)s"),
    Kind.REQUEST_RECEIVED: gettext_lazy("We received your appointment request at %(clinic)s"),
    Kind.RESCHEDULED: gettext_lazy("Your appointment at %(clinic)s has moved to %(when)s"),
    Kind.CANCELLED: gettext_lazy("Your appointment at %(clinic)s on %(when)s is cancelled"),
    Kind.REMINDER: gettext_lazy("Reminder: your appointment at %(clinic)s, %(when)s"),
    Kind.QUESTIONNAIRE: gettext_lazy("Before your visit to %(clinic)s: a short questionnaire"),
    Kind.MANAGE_LINK: gettext_lazy("Your appointment link for %(clinic)s"),
    # No patient name in staff subjects: subjects show on lock screens and in notifications.
    Kind.STAFF_NEW: "New booking: %(type)s on %(when)s with %(practitioner)s",
    Kind.STAFF_CHANGED: "Booking moved: %(type)s now on %(when)s with %(practitioner)s",
    Kind.STAFF_CANCELLED: "Booking cancelled: %(type)s on %(when)s with %(practitioner)s",
}


def questionnaire_lead() -> timedelta:
    return timedelta(hours=settings.QUESTIONNAIRE_INVITE_HOURS_BEFORE)


class ClinicEmail(EmailMultiAlternatives):
    """Text + HTML email whose bodies go out unencoded when their lines allow it.

    With the default 78-character line policy, Python quoted-printable encodes any body with a
    longer line (our HTML's inline styles, every manage link) in pure Python: the main CPU cost
    of a catch-up burst. RFC 5322 allows lines up to 998 characters, so we let the email
    package use 7bit (or 8bit) bodies up to that.
    """

    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(max_line_length=998))


def _real_gap(later: datetime, earlier: datetime) -> timedelta:
    return later.astimezone(UTC) - earlier.astimezone(UTC)


def skip_reason(message: OutboundMessage, *, profile: ClinicProfile, now: datetime) -> str:
    """Why this message should no longer go out, judged on the appointment as it is now."""
    appointment = message.appointment
    if message.kind in STAFF_KINDS:
        return ""  # the clinic hears of every change, past or future
    if appointment.patient.anonymised_at is not None:
        return "The patient's record is anonymised."
    if message.kind == Kind.CANCELLED:
        return "" if appointment.status == AppointmentStatus.CANCELLED else "Not cancelled."
    if not appointment.is_open:
        return "The appointment is no longer open."
    if appointment.start <= now:
        return "The appointment has already started."
    if message.kind == Kind.CONFIRMATION and appointment.status != AppointmentStatus.CONFIRMED:
        return "The appointment is not confirmed."
    if message.kind == Kind.REQUEST_RECEIVED and appointment.status != AppointmentStatus.REQUESTED:
        return "The request was already answered."
    if message.kind == Kind.REMINDER:
        if not appointment.reminders_enabled:
            return "The patient opted out of reminders."
        if appointment.status != AppointmentStatus.CONFIRMED:
            return "The appointment is not confirmed."
        if message.resent_at is None:
            if _real_gap(appointment.start, message.scheduled_for) not in (
                profile.reminder_offset_deltas
            ):
                return "The visit moved (or the clinic's reminder times changed)."
            lateness = timedelta(minutes=profile.reminder_max_lateness_minutes)
            if now - message.scheduled_for > lateness:
                return "Too late to be useful (later than the clinic's allowed lateness)."
    if message.kind == Kind.QUESTIONNAIRE:
        if (
            message.resent_at is None
            and _real_gap(appointment.start, message.scheduled_for) != questionnaire_lead()
        ):
            return "The visit moved."
        if Intake.objects.filter(
            appointment_id=appointment.pk, questionnaire_completed_at__isnull=False
        ).exists():
            return "The questionnaire is already completed."
    return ""


def format_local(moment: datetime) -> str:
    """'Tuesday, December 1, 2026 at 10:00 AM EST': the clinic's time, its zone named, in the
    active language (the ledger activates the reader's)."""
    # The clinic's zone (what scheduling.clock.clinic_zone returns), read from the settings here:
    # scheduling calls messaging to write ledger rows, so messaging does not import it back.
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    # Translators: a visit's date, time and time zone, e.g. "Tuesday, December 1, 2026 at
    # 10:00 AM EST"; the date and time arrive already in the reader's language.
    return _("%(day)s at %(time)s %(zone)s") % {
        "day": dates.formatted(local, "day_year"),
        "time": dates.clock(local),
        "zone": local.tzname(),
    }


def _admin_url(appointment: Appointment) -> str:
    try:
        return absolute(reverse("admin:booking_appointment_change", args=[appointment.pk]))
    except NoReverseMatch:
        return absolute(reverse("admin:index"))


def message_context(message: OutboundMessage, *, profile: ClinicProfile) -> dict:
    """What a message may say: names, time, place or video link, type and links. Nothing else."""
    appointment = message.appointment
    ctype = appointment.consultation_type
    practitioner = appointment.practitioner
    return {
        "kind": message.kind,
        "clinic": profile,
        "clinic_address_lines": [line for line in profile.address.splitlines() if line.strip()],
        "what_to_bring": localized(profile, "what_to_bring"),
        "patient_name": appointment.contact_name,
        "booker_name": appointment.booker_name if appointment.booked_for_someone_else else "",
        "type_name": localized(ctype, "name"),
        "duration_minutes": ctype.duration_minutes,
        "is_video": ctype.is_video,
        "video_url": practitioner.video_room_url if ctype.is_video else "",
        "practitioner_name": str(practitioner),
        "when": format_local(appointment.start),
        "manage_url": manage_url(appointment),
        "questionnaire_url": questionnaire_url(appointment),
        "status_label": appointment.get_status_display(),
        "admin_url": _admin_url(appointment),
        # The short reference a patient reads out on the phone (staff search finds it).
        "reference": appointment.short_reference,
    }


def _recipients(message: OutboundMessage, profile: ClinicProfile) -> list[str]:
    appointment = message.appointment
    if message.kind in STAFF_KINDS:
        user = appointment.practitioner.user
        candidates = [user.email if user else "", profile.notifications_email]
    else:
        candidates = [appointment.contact_email]
    recipients: list[str] = []
    for address in candidates:
        address = (address or "").strip()
        if address and address.lower() not in {r.lower() for r in recipients}:
            recipients.append(address)
    return recipients


def _calendar_part(appointment: Appointment) -> MIMEPart:
    part = MIMEPart()
    part.set_content(
        appointment_ics(appointment).decode(),
        subtype="calendar",
        charset="utf-8",
        params={"method": "PUBLISH"},
        disposition="attachment",
        filename="appointment.ics",
    )
    return part


def message_id_for(message: OutboundMessage) -> str:
    """A Message-ID derived from the ledger row: the same on every attempt, so if a worker dies
    between the server's acceptance and our recording it, the resent copy carries the same id
    and a receiving system can drop the repeat."""
    from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    domain = from_address.rpartition("@")[2] or urlsplit(settings.SITE_URL).hostname or "clinic"
    return f"<ledger-{message.pk}@{domain}>"


def message_build(message: OutboundMessage, *, profile: ClinicProfile) -> ClinicEmail | None:
    """The email for a ledger row (text + HTML, .ics where useful); None without a recipient."""
    recipients = _recipients(message, profile)
    if not recipients:
        return None
    context = message_context(message, profile=profile)
    subject = str(SUBJECTS[message.kind]) % {
        "clinic": profile.name,
        "when": context["when"],
        "type": context["type_name"],
        "practitioner": context["practitioner_name"],
    }
    context["subject"] = subject
    template = f"emails/{message.kind}"
    from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    email = ClinicEmail(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        from_email=formataddr((profile.name, from_address)),
        to=recipients,
        reply_to=[profile.email] if profile.email and message.kind not in STAFF_KINDS else None,
        headers={
            # Lets a mailbox (and our tests) tell one ledger row from another.
            "X-Clinic-Message": str(message.pk),
            "Message-ID": message_id_for(message),
            "Auto-Submitted": "auto-generated",
            # The language the ledger built it in (RFC 3282): screen readers and filters use it.
            "Content-Language": translation.get_language(),
        },
    )
    email.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    if message.kind in WITH_CALENDAR:
        email.attach(_calendar_part(message.appointment))
    return email


def register() -> None:
    """Hand booking's own kinds (appointment messages, by email) and the email channel to the
    ledger; called once from BookingConfig.ready()."""
    staff_kinds = {Kind.STAFF_NEW, Kind.STAFF_CHANGED, Kind.STAFF_CANCELLED}
    for kind in Kind.values:
        message_kind_register(
            kind=kind,
            build=lambda message, profile: message_build(message, profile=profile),
            skip_reason=lambda message, profile, now: skip_reason(
                message, profile=profile, now=now
            ),
            language=staff_language if kind in staff_kinds else patient_language,
        )
    # Django's configured mailer: SMTP in production, the .eml outbox on a developer's machine.
    channel_register(channel=OutboundMessage.Channel.EMAIL, connection=lambda: mailers.default)
