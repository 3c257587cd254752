"""The email ledger's engine: sending each message at most once.

Celery delivers tasks at least once, so correctness lives in the database, not in the broker:
a sender first claims rows with a lease in a short transaction, sends OUTSIDE any transaction,
then records sent / failed / skipped; a claim whose worker died expires and the next scan hands
the row out again. Just before sending, the message is checked against its subject as it is now.
"""

from __future__ import annotations

import logging
import random
import smtplib
import socket
import time
from datetime import datetime, timedelta
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from booking.messaging.kinds import DeliveryError, channel_connection, message_kind_get
from booking.messaging.queue import delivery_enqueue, delivery_enqueue_batch
from booking.models import (
    Appointment,
    OutboundMessage,
)
from booking.models.messages import SUBJECT_FIELDS
from booking.profile import clinic_profile_get

logger = logging.getLogger(__name__)


Kind = OutboundMessage.Kind


MessageStatus = OutboundMessage.Status


AppointmentStatus = Appointment.Status


def claimable(now: datetime) -> Q:
    return Q(status=MessageStatus.PENDING) | Q(status=MessageStatus.SENDING, lease_until__lt=now)


def _claim(message_ids: list[int], now: datetime) -> tuple[list[int], datetime]:
    """Atomically take the due, unclaimed rows among `message_ids`; returns them and the lease."""
    lease_until = now + timedelta(seconds=settings.EMAIL_LEASE_SECONDS)
    with transaction.atomic():
        rows = OutboundMessage.objects.filter(pk__in=message_ids, scheduled_for__lte=now).filter(
            claimable(now)
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
    message: OutboundMessage,
    lease_until: datetime,
    *,
    status: str,
    error: str = "",
    provider_id: str = "",
) -> None:
    now = timezone.now()
    changes = {"status": status, "lease_until": None, "last_error": error[:2000], "updated_at": now}
    if status == MessageStatus.SENT:
        changes["sent_at"] = now
    if provider_id:
        # In the same UPDATE as "sent": a delivery report can only find the row once it is
        # recorded sent, so a report never races the ledger's own write.
        changes["provider_id"] = provider_id[:64]
        changes["delivery_status"] = OutboundMessage.DeliveryStatus.QUEUED
        changes["delivery_updated_at"] = now
    updated = OutboundMessage.objects.filter(
        pk=message.pk, status=MessageStatus.SENDING, lease_until=lease_until
    ).update(**changes)
    if not updated:
        logger.warning("Message %s: lease lost before recording %s", message.pk, status)


def _release(message_ids: list[int], lease_until: datetime) -> None:
    """Give unsent claimed rows back, and enqueue them again (the scan would also find them)."""
    released = OutboundMessage.objects.filter(
        pk__in=message_ids, status=MessageStatus.SENDING, lease_until=lease_until
    ).update(
        status=MessageStatus.PENDING,
        lease_until=None,
        attempts=F("attempts") - 1,
        updated_at=timezone.now(),
    )
    if released:
        delivery_enqueue_batch(message_ids=message_ids)
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
    if isinstance(exc, DeliveryError):
        return exc.transient
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
            "patient",
        )
        .order_by("scheduled_for", "pk")
    )
    profile = clinic_profile_get()
    # One connection per channel for the whole batch: a catch-up of thousands of reminders must
    # not open thousands of SMTP (or API) sessions.
    connections: dict[str, object] = {}
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
            try:
                handler = message_kind_get(kind=message.kind, channel=message.channel)
                reason = handler.skip_reason(message, profile, current)
            except Exception as exc:
                logger.exception("Message %s (%s) could not be checked", message.pk, message.kind)
                _record(message, lease_until, status=MessageStatus.FAILED, error=_describe(exc))
                continue
            if reason:
                _record(message, lease_until, status=MessageStatus.SKIPPED, error=reason)
                logger.info("Message %s (%s) skipped: %s", message.pk, message.kind, reason)
                continue
            try:
                # Subject, body, calendar file and text in the reader's language, dates too.
                with translation.override(handler.language(message)):
                    email = handler.build(message, profile)
            except Exception as exc:
                logger.exception("Message %s (%s) could not be built", message.pk, message.kind)
                _record(message, lease_until, status=MessageStatus.FAILED, error=_describe(exc))
                continue
            if email is None:
                _record(
                    message,
                    lease_until,
                    status=MessageStatus.SKIPPED,
                    error="No address to send it to.",
                )
                continue
            try:
                if message.channel not in connections:
                    connections[message.channel] = channel_connection(channel=message.channel)
                    connections[message.channel].open()
                connections[message.channel].send_messages([email])
            except Exception as exc:
                _close_quietly(connections.pop(message.channel, None))
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
            # Recorded the moment the server accepted it, one UPDATE in autocommit, not at the
            # end of the batch: a worker killed later in the batch resends nothing it already
            # sent. Only a kill inside this line's window can repeat a message, and the repeat
            # carries the same Message-ID (compose.message_id_for) for the receiver to drop.
            _record(
                message,
                lease_until,
                status=MessageStatus.SENT,
                provider_id=getattr(email, "provider_id", ""),
            )
            logger.info("Message %s (%s) sent", message.pk, message.kind)
    finally:
        for connection in connections.values():
            _close_quietly(connection)
    return retry_in


def message_deliver(*, message_id: int, now: datetime | None = None) -> float | None:
    return messages_deliver(message_ids=[message_id], now=now)


def _close_quietly(mail_connection) -> None:
    if mail_connection is not None:
        try:
            mail_connection.close()
        except Exception:  # noqa: BLE001 - a broken connection is being dropped anyway
            logger.debug("Closing a broken mail connection failed", exc_info=True)


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
                **{f"{name}_id": getattr(message, f"{name}_id") for name in SUBJECT_FIELDS},
                patient_id=message.patient_id,
                channel=message.channel,
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
    try:
        delivery_enqueue(message_id=message_id)
    except Exception:  # noqa: BLE001
        # The booking is committed and its ledger row is pending: a broker outage must not
        # turn the patient's confirmation page into an error. The next scan sends it.
        logger.warning(
            "Message %s not enqueued (broker unavailable); the scan will send it", message_id
        )
