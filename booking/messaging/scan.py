"""Which messages are due: reminders and questionnaire invitations are created by a periodic scan
when they fall due, never as ETA/countdown tasks, so a cancelled or moved visit simply has nothing
due.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from booking.messaging.compose import questionnaire_lead
from booking.messaging.health import SCAN_HEARTBEAT
from booking.messaging.ledger import claimable
from booking.messaging.queue import delivery_enqueue_batch
from booking.messaging.sms.quiet import sms_reminder_moments
from booking.models import (
    Appointment,
    ClinicProfile,
    OutboundMessage,
    TaskHeartbeat,
)
from booking.profile import clinic_profile_get

logger = logging.getLogger(__name__)


Kind = OutboundMessage.Kind
Channel = OutboundMessage.Channel


MessageStatus = OutboundMessage.Status


AppointmentStatus = Appointment.Status


# Kinds the periodic scan creates when they fall due (everything else is sent right away).
SCANNED_KINDS = frozenset({Kind.REMINDER, Kind.QUESTIONNAIRE})


@dataclass(frozen=True, kw_only=True)
class ScanResult:
    created: int
    skipped: int
    enqueued: int


def scheduled_moments(
    *, start: datetime, reminders_enabled: bool, profile: ClinicProfile
) -> list[tuple[str, datetime]]:
    """The (kind, moment) pairs the scan creates for a confirmed visit starting at `start`.

    Offsets are absolute hours, so "48 h before" stays 48 real hours across a DST change:
    the arithmetic is done in UTC (Python subtracts wall-clock time within one zone).
    """
    start = start.astimezone(UTC)
    moments = [(Kind.QUESTIONNAIRE, start - questionnaire_lead())]
    if reminders_enabled:
        moments += [(Kind.REMINDER, start - offset) for offset in profile.reminder_offset_deltas]
    return moments


def _planned(
    *, start: datetime, reminders_enabled: bool, texts: bool, profile: ClinicProfile
) -> list[tuple[str, datetime, str, str]]:
    """(kind, moment, channel, skip reason) of every scanned message of a visit: the emails,
    and for a visit opted in to texts, a text reminder at each reminder offset (whether or not
    email reminders are on; its moment moved to the end of quiet hours, or skipped when that is
    too late)."""
    planned = [
        (kind, moment, Channel.EMAIL, "")
        for kind, moment in scheduled_moments(
            start=start, reminders_enabled=reminders_enabled, profile=profile
        )
    ]
    if texts:
        planned += [
            (Kind.REMINDER, moment, Channel.SMS, reason)
            for moment, reason in sms_reminder_moments(start=start, profile=profile)
        ]
    return planned


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
            patient_id=appointment.patient_id,
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
    now = now or timezone.now()
    profile = clinic_profile_get()
    lateness = timedelta(minutes=profile.reminder_max_lateness_minutes)
    horizon = max([questionnaire_lead(), *profile.reminder_offset_deltas])
    window = Q(
        status=AppointmentStatus.CONFIRMED,
        start__gt=now,
        start__lte=now + horizon,
    )
    appointments = Appointment.objects.filter(window).values_list(
        "pk", "patient_id", "start", "created_at", "reminders_enabled", "sms_opt_in_at"
    )
    existing = set(
        OutboundMessage.objects.filter(
            kind__in=SCANNED_KINDS,
            appointment__status=AppointmentStatus.CONFIRMED,
            appointment__start__gt=now,
            appointment__start__lte=now + horizon,
        ).values_list("appointment_id", "kind", "scheduled_for", "channel")
    )
    new_rows = []
    for pk, patient_id, start, created_at, reminders_enabled, sms_opt_in_at in appointments:
        for kind, moment, channel, quiet_reason in _planned(
            start=start,
            reminders_enabled=reminders_enabled,
            texts=sms_opt_in_at is not None,
            profile=profile,
        ):
            if moment > now or (pk, kind, moment, channel) in existing:
                continue
            status, reason = MessageStatus.PENDING, ""
            if quiet_reason:
                status, reason = MessageStatus.SKIPPED, quiet_reason
            elif moment < created_at:
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
                    patient_id=patient_id,
                    kind=kind,
                    channel=channel,
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
        .filter(claimable(now))
        .order_by("scheduled_for", "pk")
        .values_list("pk", flat=True)
    )
    batch = max(1, settings.EMAIL_BATCH_SIZE)
    for i in range(0, len(due_ids), batch):
        delivery_enqueue_batch(message_ids=due_ids[i : i + batch])

    TaskHeartbeat.objects.update_or_create(name=SCAN_HEARTBEAT, defaults={"last_run_at": now})
    result = ScanResult(created=len(new_rows) - skipped, skipped=skipped, enqueued=len(due_ids))
    logger.info(
        "Message scan: %d created, %d skipped, %d enqueued",
        result.created,
        result.skipped,
        result.enqueued,
    )
    return result
