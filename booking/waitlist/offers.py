"""Offering a held time in batches; the next batch when a window passes; release at the end."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from booking.messaging.ledger import message_enqueue
from booking.models import OutboundMessage, WaitlistEntry, WaitlistHold, WaitlistOffer
from booking.profile import clinic_profile_get
from booking.waitlist.emails import WAITLIST_OFFER
from booking.waitlist.holds import hold_overlaps_visit
from booking.waitlist.matching import entries_matching
from booking.waitlist.queue import offer_next_enqueue

logger = logging.getLogger(__name__)

HoldStatus = WaitlistHold.Status
OfferStatus = WaitlistOffer.Status


def _release(hold: WaitlistHold, now: datetime) -> None:
    hold.status = HoldStatus.RELEASED
    hold.ended_at = now
    hold.held_until = now
    hold.save(update_fields=["status", "ended_at", "held_until"])


def hold_offer_next(*, hold_id: int, now: datetime | None = None) -> list[WaitlistOffer]:
    """Offer the hold to its next batch, or release it; idempotent, so a task may run twice.

    A run before the current batch's window has passed does nothing. The offers' emails are
    ledger rows, sent on commit; a window-end run is scheduled for when this batch's window
    closes.
    """
    now = now or timezone.now()
    profile = clinic_profile_get()
    with transaction.atomic():
        hold = (
            WaitlistHold.objects.select_for_update()
            .select_related("consultation_type")
            .filter(pk=hold_id)
            .first()
        )
        if hold is None or hold.status != HoldStatus.OFFERING:
            return []
        if hold.window_ends_at is not None and now < hold.window_ends_at:
            return []  # the current batch still has the time
        hold.offers.filter(status=OfferStatus.OPEN).update(status=OfferStatus.LAPSED, ended_at=now)
        entry_ids = (
            []
            if hold.batches_sent >= profile.waitlist_max_batches
            # The first batch came too late (no worker): the public may have the time already.
            or (hold.window_ends_at is None and hold.held_until <= now)
            # Staff booked into the hold (they may, with a warning).
            or hold_overlaps_visit(hold)
            else entries_matching(hold, profile=profile, now=now, limit=profile.waitlist_batch_size)
        )
        if not entry_ids:
            _release(hold, now)
            logger.info("Waitlist hold %s released after %s batches", hold.pk, hold.batches_sent)
            return []
        batch = hold.batches_sent + 1
        offers = WaitlistOffer.objects.bulk_create(
            [
                WaitlistOffer(hold=hold, entry_id=entry_id, batch=batch, created_at=now)
                for entry_id in entry_ids
            ]
        )
        patients = dict(
            WaitlistEntry.objects.filter(pk__in=entry_ids).values_list("pk", "patient_id")
        )
        messages = OutboundMessage.objects.bulk_create(
            [
                OutboundMessage(
                    waitlist_offer=offer,
                    patient_id=patients[offer.entry_id],
                    kind=WAITLIST_OFFER,
                    scheduled_for=now,
                    channel=OutboundMessage.Channel.EMAIL,
                )
                for offer in offers
            ]
        )
        for message in messages:
            message_enqueue(message_id=message.pk)
        window = timedelta(minutes=profile.waitlist_window_minutes)
        hold.batches_sent = batch
        hold.window_ends_at = now + window
        hold.held_until = now + window
        hold.save(update_fields=["batches_sent", "window_ends_at", "held_until"])
        transaction.on_commit(
            lambda: offer_next_enqueue(hold_id=hold.pk, countdown=window.total_seconds() + 1)
        )
        return offers


def holds_due(*, now: datetime | None = None) -> list[int]:
    """Holds whose window has passed (or whose first batch never went): the sweep's safety net
    for a lost task."""
    now = now or timezone.now()
    return list(
        WaitlistHold.objects.filter(status=HoldStatus.OFFERING)
        .exclude(window_ends_at__gt=now)
        .values_list("pk", flat=True)[:500]
    )
