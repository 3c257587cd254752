"""The email ledger's engine: which messages are due, and sending each one at most once.

Celery delivers tasks at least once, so correctness lives in the database, not in the broker:

- every email is a row of OutboundMessage, unique per (appointment, kind, scheduled_for);
- reminders and questionnaire invitations are created by a periodic scan when they fall due,
  never as ETA/countdown tasks, so a cancelled or moved visit simply has nothing due;
- a sender first claims rows with a lease in a short transaction, sends OUTSIDE any
  transaction, then records sent / failed / skipped; a claim whose worker died expires and the
  next scan hands the row out again;
- just before sending, the message is checked against the appointment as it is now.

Nothing here reads or renders the visit's health details (booking.models.Intake): emails,
log lines and task arguments carry names, times, places, types, links and ids only.
"""

from __future__ import annotations

import email.policy
import logging
import random
import smtplib
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import MIMEPart
from email.utils import formataddr, parseaddr
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from booking.availability import clinic_zone
from booking.ics import appointment_ics
from booking.links import absolute, manage_url, questionnaire_url
from booking.models import (
    Appointment,
    ClinicProfile,
    Intake,
    OutboundMessage,
    TaskHeartbeat,
)
from booking.selectors import SCAN_HEARTBEAT, clinic_profile_get

logger = logging.getLogger(__name__)

Kind = OutboundMessage.Kind
MessageStatus = OutboundMessage.Status
AppointmentStatus = Appointment.Status

STAFF_KINDS = frozenset({Kind.STAFF_NEW, Kind.STAFF_CHANGED, Kind.STAFF_CANCELLED})
# Kinds the periodic scan creates when they fall due (everything else is sent right away).
SCANNED_KINDS = frozenset({Kind.REMINDER, Kind.QUESTIONNAIRE})
WITH_CALENDAR = frozenset({Kind.CONFIRMATION, Kind.RESCHEDULED, Kind.CANCELLED})

SUBJECTS = {
    Kind.CONFIRMATION: "Your appointment at {clinic} is confirmed: {when}",
    Kind.REQUEST_RECEIVED: "We received your appointment request at {clinic}",
    Kind.RESCHEDULED: "Your appointment at {clinic} has moved to {when}",
    Kind.CANCELLED: "Your appointment at {clinic} on {when} is cancelled",
    Kind.REMINDER: "Reminder: your appointment at {clinic}, {when}",
    Kind.QUESTIONNAIRE: "Before your visit to {clinic}: a short questionnaire",
    Kind.MANAGE_LINK: "Your appointment link for {clinic}",
    # No patient name in staff subjects: subjects show on lock screens and in notifications.
    Kind.STAFF_NEW: "New booking: {type} on {when} with {practitioner}",
    Kind.STAFF_CHANGED: "Booking moved: {type} now on {when} with {practitioner}",
    Kind.STAFF_CANCELLED: "Booking cancelled: {type} on {when} with {practitioner}",
}


class ClinicEmail(EmailMultiAlternatives):
    """Text + HTML email whose bodies go out unencoded when their lines allow it.

    With the default 78-character line policy, Python quoted-printable encodes any body with a
    longer line (our HTML's inline styles, every manage link) in pure Python: the main CPU cost
    of a catch-up burst. RFC 5322 allows lines up to 998 characters, so we let the email
    package use 7bit (or 8bit) bodies up to that.
    """

    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(max_line_length=998))


@dataclass(frozen=True, kw_only=True)
class ScanResult:
    created: int
    skipped: int
    enqueued: int


# --- When messages fall due ---------------------------------------------------------------


def _questionnaire_lead() -> timedelta:
    return timedelta(hours=settings.QUESTIONNAIRE_INVITE_HOURS_BEFORE)


def scheduled_moments(
    *, start: datetime, reminders_enabled: bool, profile: ClinicProfile
) -> list[tuple[str, datetime]]:
    """The (kind, moment) pairs the scan creates for a confirmed visit starting at `start`.

    Offsets are absolute hours, so "48 h before" stays 48 real hours across a DST change:
    the arithmetic is done in UTC (Python subtracts wall-clock time within one zone).
    """
    start = start.astimezone(UTC)
    moments = [(Kind.QUESTIONNAIRE, start - _questionnaire_lead())]
    if reminders_enabled:
        moments += [(Kind.REMINDER, start - offset) for offset in profile.reminder_offset_deltas]
    return moments


def passed_moments_record(*, appointment: Appointment, now: datetime | None = None) -> int:
    """Record as skipped the reminders whose moment passed before this time was booked.

    Called when a visit is booked, confirmed or moved: a visit booked 3 hours ahead gets no
    "48 hours before" reminder (nor a questionnaire invitation: the confirmation carries the
    link), and the scan will not mistake them for reminders found late after an outage.
    """
    now = now or timezone.now()
    profile = clinic_profile_get()
    rows = [
        OutboundMessage(
            appointment=appointment,
            kind=kind,
            scheduled_for=moment,
            status=MessageStatus.SKIPPED,
            last_error="Its moment had passed when the visit was booked.",
        )
        for kind, moment in scheduled_moments(
            start=appointment.start,
            reminders_enabled=appointment.reminders_enabled,
            profile=profile,
        )
        if moment <= now
    ]
    OutboundMessage.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def due_messages_scan(*, now: datetime | None = None) -> ScanResult:
    """Create the reminder rows now due, then enqueue every due, unclaimed message.

    Safe to run twice at once: rows are inserted with ON CONFLICT DO NOTHING on the ledger's
    unique key, and each row is claimed by exactly one sender.
    """
    from booking.tasks import deliver_messages

    now = now or timezone.now()
    profile = clinic_profile_get()
    lateness = timedelta(minutes=profile.reminder_max_lateness_minutes)
    horizon = max([_questionnaire_lead(), *profile.reminder_offset_deltas])
    window = Q(
        status=AppointmentStatus.CONFIRMED,
        start__gt=now,
        start__lte=now + horizon,
    )
    appointments = Appointment.objects.filter(window).values_list(
        "pk", "start", "created_at", "reminders_enabled"
    )
    existing = set(
        OutboundMessage.objects.filter(
            kind__in=SCANNED_KINDS,
            appointment__status=AppointmentStatus.CONFIRMED,
            appointment__start__gt=now,
            appointment__start__lte=now + horizon,
        ).values_list("appointment_id", "kind", "scheduled_for")
    )
    new_rows = []
    for pk, start, created_at, reminders_enabled in appointments:
        for kind, moment in scheduled_moments(
            start=start, reminders_enabled=reminders_enabled, profile=profile
        ):
            if moment > now or (pk, kind, moment) in existing:
                continue
            status, reason = MessageStatus.PENDING, ""
            if moment < created_at:
                status, reason = (
                    MessageStatus.SKIPPED,
                    "Its moment had passed when the visit was booked.",
                )
            elif kind == Kind.REMINDER and now - moment > lateness:
                status, reason = (
                    MessageStatus.SKIPPED,
                    "Found too late to be useful (later than the clinic's allowed lateness).",
                )
            new_rows.append(
                OutboundMessage(
                    appointment_id=pk,
                    kind=kind,
                    scheduled_for=moment,
                    status=status,
                    last_error=reason,
                )
            )
    OutboundMessage.objects.bulk_create(new_rows, ignore_conflicts=True, batch_size=500)
    skipped = sum(1 for row in new_rows if row.status == MessageStatus.SKIPPED)

    # Every due message nobody holds: new reminders, immediate messages whose task was lost,
    # and rows whose sender died (lease expired) or that wait for a retry.
    due_ids = list(
        OutboundMessage.objects.filter(scheduled_for__lte=now)
        .filter(_claimable(now))
        .order_by("scheduled_for", "pk")
        .values_list("pk", flat=True)
    )
    batch = max(1, settings.EMAIL_BATCH_SIZE)
    for i in range(0, len(due_ids), batch):
        deliver_messages.delay(due_ids[i : i + batch])

    TaskHeartbeat.objects.update_or_create(name=SCAN_HEARTBEAT, defaults={"last_run_at": now})
    result = ScanResult(created=len(new_rows) - skipped, skipped=skipped, enqueued=len(due_ids))
    logger.info(
        "Message scan: %d created, %d skipped, %d enqueued",
        result.created,
        result.skipped,
        result.enqueued,
    )
    return result


# --- Claiming and sending -------------------------------------------------------------------


def _claimable(now: datetime) -> Q:
    return Q(status=MessageStatus.PENDING) | Q(status=MessageStatus.SENDING, lease_until__lt=now)


def _claim(message_ids: list[int], now: datetime) -> tuple[list[int], datetime]:
    """Atomically take the due, unclaimed rows among `message_ids`; returns them and the lease."""
    lease_until = now + timedelta(seconds=settings.EMAIL_LEASE_SECONDS)
    with transaction.atomic():
        rows = OutboundMessage.objects.filter(pk__in=message_ids, scheduled_for__lte=now).filter(
            _claimable(now)
        )
        if connection.vendor == "postgresql":
            # A concurrent sender skips the rows we are taking instead of queueing behind us;
            # SQLite's IMMEDIATE transactions already serialise this block.
            rows = rows.select_for_update(skip_locked=True)
        claimed = list(rows.values_list("pk", flat=True))
        if claimed:
            OutboundMessage.objects.filter(pk__in=claimed).update(
                status=MessageStatus.SENDING,
                lease_until=lease_until,
                attempts=F("attempts") + 1,
                updated_at=now,
            )
    return claimed, lease_until


def _record(
    message: OutboundMessage, lease_until: datetime, *, status: str, error: str = ""
) -> None:
    now = timezone.now()
    changes = {"status": status, "lease_until": None, "last_error": error[:2000], "updated_at": now}
    if status == MessageStatus.SENT:
        changes["sent_at"] = now
    updated = OutboundMessage.objects.filter(
        pk=message.pk, status=MessageStatus.SENDING, lease_until=lease_until
    ).update(**changes)
    if not updated:
        logger.warning("Message %s: lease lost before recording %s", message.pk, status)


def _release(message_ids: list[int], lease_until: datetime) -> None:
    """Give unsent claimed rows back, and enqueue them again (the scan would also find them)."""
    from booking.tasks import deliver_messages

    released = OutboundMessage.objects.filter(
        pk__in=message_ids, status=MessageStatus.SENDING, lease_until=lease_until
    ).update(
        status=MessageStatus.PENDING,
        lease_until=None,
        attempts=F("attempts") - 1,
        updated_at=timezone.now(),
    )
    if released:
        deliver_messages.delay(message_ids)
    logger.warning("Batch out of time: %d messages handed back", released)


def _retry_later(message: OutboundMessage, lease_until: datetime, error: str) -> float:
    """Keep the claim until the retry is due, so nobody sends before the backoff ends."""
    delay = retry_delay(attempt=message.attempts)
    OutboundMessage.objects.filter(
        pk=message.pk, status=MessageStatus.SENDING, lease_until=lease_until
    ).update(
        lease_until=timezone.now() + timedelta(seconds=delay),
        last_error=error[:2000],
        updated_at=timezone.now(),
    )
    return delay


def retry_delay(*, attempt: int) -> float:
    """Exponential backoff with jitter: half the step fixed, half random, capped."""
    step = min(
        settings.EMAIL_RETRY_BACKOFF_MAX_SECONDS,
        settings.EMAIL_RETRY_BACKOFF_SECONDS * 2 ** max(0, attempt - 1),
    )
    return step / 2 + random.uniform(0, step / 2)  # noqa: S311 - jitter, not security


def is_transient(exc: BaseException) -> bool:
    """Whether a sending error may pass if we try again (4xx, disconnects, timeouts)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and any(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(
        exc,
        smtplib.SMTPServerDisconnected
        | smtplib.SMTPConnectError
        | socket.timeout
        | OSError
        | SoftTimeLimitExceeded,
    )


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def messages_deliver(*, message_ids: list[int], now: datetime | None = None) -> float | None:
    """Send the due, unclaimed messages among `message_ids`, each at most once.

    Returns the delay in seconds after which a retry is due when a transient error stopped any
    of them, else None. Holds no database transaction while talking to the mail server.
    """
    claimed, lease_until = _claim(message_ids, now or timezone.now())
    if not claimed:
        return None
    messages = list(
        OutboundMessage.objects.filter(pk__in=claimed)
        .select_related(
            "appointment__consultation_type",
            "appointment__practitioner__user",
            "appointment__patient",
        )
        .order_by("scheduled_for", "pk")
    )
    profile = clinic_profile_get()
    mail_connection = None
    retry_in: float | None = None
    budget_ends = time.monotonic() + settings.EMAIL_TASK_TIME_LIMIT_SECONDS / 2
    try:
        for position, message in enumerate(messages):
            if position and time.monotonic() > budget_ends:
                # A slow mail server: hand the rest back instead of running into the task's
                # time limit, which would leave them leased until the lease expires.
                _release([m.pk for m in messages[position:]], lease_until)
                break
            current = timezone.now()
            reason = skip_reason(message, profile=profile, now=current)
            if reason:
                _record(message, lease_until, status=MessageStatus.SKIPPED, error=reason)
                logger.info("Message %s (%s) skipped: %s", message.pk, message.kind, reason)
                continue
            try:
                email = message_build(message, profile=profile)
            except Exception as exc:
                logger.exception("Message %s (%s) could not be built", message.pk, message.kind)
                _record(message, lease_until, status=MessageStatus.FAILED, error=_describe(exc))
                continue
            if email is None:
                _record(
                    message, lease_until, status=MessageStatus.SKIPPED, error="No email address."
                )
                continue
            try:
                if mail_connection is None:
                    # One connection for the whole batch: a catch-up of thousands of reminders
                    # must not open thousands of SMTP sessions.
                    mail_connection = mailers.default
                    mail_connection.open()
                mail_connection.send_messages([email])
            except Exception as exc:
                _close_quietly(mail_connection)
                mail_connection = None
                error = _describe(exc)
                if is_transient(exc) and message.attempts < settings.EMAIL_MAX_ATTEMPTS:
                    delay = _retry_later(message, lease_until, error)
                    retry_in = delay if retry_in is None else min(retry_in, delay)
                    logger.warning(
                        "Message %s (%s) attempt %d failed, retrying in %.1fs: %s",
                        message.pk,
                        message.kind,
                        message.attempts,
                        delay,
                        type(exc).__name__,
                    )
                else:
                    _record(message, lease_until, status=MessageStatus.FAILED, error=error)
                    logger.error(
                        "Message %s (%s) failed: %s", message.pk, message.kind, type(exc).__name__
                    )
                continue
            _record(message, lease_until, status=MessageStatus.SENT)
            logger.info("Message %s (%s) sent", message.pk, message.kind)
    finally:
        _close_quietly(mail_connection)
    return retry_in


def message_deliver(*, message_id: int, now: datetime | None = None) -> float | None:
    return messages_deliver(message_ids=[message_id], now=now)


def _close_quietly(mail_connection) -> None:
    if mail_connection is not None:
        try:
            mail_connection.close()
        except Exception:  # noqa: BLE001 - a broken connection is being dropped anyway
            logger.debug("Closing a broken mail connection failed", exc_info=True)


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
            and _real_gap(appointment.start, message.scheduled_for) != _questionnaire_lead()
        ):
            return "The visit moved."
        if Intake.objects.filter(
            appointment_id=appointment.pk, questionnaire_completed_at__isnull=False
        ).exists():
            return "The questionnaire is already completed."
    return ""


# --- Content --------------------------------------------------------------------------------


def format_local(moment: datetime) -> str:
    """'Tuesday, December 1, 2026 at 10:00 AM EST': the clinic's time, its zone named."""
    local = moment.astimezone(clinic_zone())
    hour = local.hour % 12 or 12
    meridiem = "AM" if local.hour < 12 else "PM"
    return (
        f"{local:%A, %B} {local.day}, {local.year} at {hour}:{local:%M} {meridiem} {local.tzname()}"
    )


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
        "what_to_bring": profile.what_to_bring,
        "patient_name": appointment.contact_name,
        "booker_name": appointment.booker_name if appointment.booked_for_someone_else else "",
        "type_name": ctype.name,
        "duration_minutes": ctype.duration_minutes,
        "is_video": ctype.is_video,
        "video_url": practitioner.video_room_url if ctype.is_video else "",
        "practitioner_name": str(practitioner),
        "when": format_local(appointment.start),
        "manage_url": manage_url(appointment),
        "questionnaire_url": questionnaire_url(appointment),
        "status_label": appointment.get_status_display(),
        "admin_url": _admin_url(appointment),
        "reference": appointment.reference[:8].upper(),
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


def message_build(message: OutboundMessage, *, profile: ClinicProfile) -> ClinicEmail | None:
    """The email for a ledger row (text + HTML, .ics where useful); None without a recipient."""
    recipients = _recipients(message, profile)
    if not recipients:
        return None
    context = message_context(message, profile=profile)
    subject = SUBJECTS[message.kind].format(
        clinic=profile.name,
        when=context["when"],
        type=context["type_name"],
        practitioner=context["practitioner_name"],
    )
    context["subject"] = subject
    template = f"emails/{message.kind}"
    _, from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    email = ClinicEmail(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        from_email=formataddr((profile.name, from_address)),
        to=recipients,
        reply_to=[profile.email] if profile.email and message.kind not in STAFF_KINDS else None,
        headers={
            # Lets a mailbox (and our tests) tell one ledger row from another.
            "X-Clinic-Message": str(message.pk),
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    if message.kind in WITH_CALENDAR:
        email.attach(_calendar_part(message.appointment))
    return email


# --- Back office ----------------------------------------------------------------------------


def message_resend(*, message_id: int, acting_user=None) -> OutboundMessage:
    """Send a message again from the back office (e.g. a failed one), enqueued on commit.

    A failed (or skipped) row is reset and reused; a sent one gets a fresh row, since the ledger
    keeps what was sent. Either way the send-time checks still apply: nothing goes out for a
    cancelled visit except its cancellation.
    """
    now = timezone.now()
    user = acting_user if acting_user is not None and acting_user.is_authenticated else None
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().get(pk=message_id)
        if message.status in (MessageStatus.FAILED, MessageStatus.SKIPPED):
            message.status = MessageStatus.PENDING
            message.lease_until = None
            message.attempts = 0
            message.last_error = ""
            message.resent_by = user
            message.resent_at = now
            message.save()
        elif message.status in (MessageStatus.PENDING, MessageStatus.SENDING):
            return message  # already on its way
        else:
            message = OutboundMessage.objects.create(
                appointment_id=message.appointment_id,
                kind=message.kind,
                scheduled_for=now,
                resent_by=user,
                resent_at=now,
            )
        message_enqueue(message_id=message.pk)
    return message


def message_enqueue(*, message_id: int) -> None:
    """Deliver this message once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(_enqueue_now, message_id))


def _enqueue_now(message_id: int) -> None:
    from booking.tasks import deliver_message

    try:
        deliver_message.delay(message_id)
    except Exception:  # noqa: BLE001
        # The booking is committed and its ledger row is pending: a broker outage must not
        # turn the patient's confirmation page into an error. The next scan sends it.
        logger.warning(
            "Message %s not enqueued (broker unavailable); the scan will send it", message_id
        )
