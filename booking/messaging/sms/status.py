"""Delivery reports for texts the provider accepted (Twilio's StatusCallback).

Twilio posts every change of a message's status, more than once at times and not always in
order. The row's delivery status only ever moves forward: queued -> sent -> undelivered or
failed -> delivered. "Delivered" is the handset's own receipt, so it stands over an earlier
failure report, and nothing stands over it. A report for a message the ledger does not know
(sent before the sid was stored, or by another system on the same account) changes nothing.

An undelivered reminder text is not retried (the carrier said why: an unreachable or unknown
handset, a landline, filtering) and is not lost either: the email reminder of the same moment
is its own ledger row and goes regardless, and the staff see the text on the appointment's page
and on the day's schedule (backoffice), so reception can phone the patient.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from booking.models import OutboundMessage

logger = logging.getLogger(__name__)

Delivery = OutboundMessage.DeliveryStatus

# Twilio's MessageStatus values, as the ledger records them. "accepted" and "scheduled" come
# from Messaging Services, "sending" is on its way to the carrier, "read" is a delivery receipt
# of channels that have one. "canceled" (a scheduled message withdrawn) never reached anyone.
TWILIO_STATUSES = {
    "accepted": Delivery.QUEUED,
    "scheduled": Delivery.QUEUED,
    "queued": Delivery.QUEUED,
    "sending": Delivery.QUEUED,
    "sent": Delivery.SENT,
    "delivered": Delivery.DELIVERED,
    "read": Delivery.DELIVERED,
    "undelivered": Delivery.UNDELIVERED,
    "failed": Delivery.FAILED,
    "canceled": Delivery.FAILED,
}

# How far along each status is; a report only replaces a status of a lower rank.
RANK = {
    Delivery.UNKNOWN: 0,
    Delivery.QUEUED: 1,
    Delivery.SENT: 2,
    Delivery.UNDELIVERED: 3,
    Delivery.FAILED: 3,
    Delivery.DELIVERED: 4,
}


@dataclass(frozen=True)
class StatusOutcome:
    known: bool  # a ledger row has this provider id
    changed: bool  # its delivery status moved


def delivery_status_of(provider_status: str) -> str | None:
    """The ledger's delivery status for one of Twilio's MessageStatus values, None if unknown."""
    return TWILIO_STATUSES.get(provider_status.strip().lower())


def sms_delivery_status_record(
    *,
    provider_id: str,
    status: str,
    error_code: int | None = None,
    now: datetime | None = None,
) -> StatusOutcome:
    """Record a delivery report on the text the provider knows as `provider_id`.

    One conditional UPDATE: two reports racing each other cannot move the row backwards, and a
    repeated report changes nothing. The error code is kept for failures only.
    """
    rows = OutboundMessage.objects.filter(
        provider_id=provider_id, channel=OutboundMessage.Channel.SMS
    )
    behind = [value for value, rank in RANK.items() if rank < RANK[status]]
    now = now or timezone.now()
    failed = status in (Delivery.UNDELIVERED, Delivery.FAILED)
    changed = rows.filter(delivery_status__in=behind).update(
        delivery_status=status,
        delivery_error_code=error_code if failed else None,
        delivery_updated_at=now,
        updated_at=now,
    )
    if changed:
        logger.info("Text %s: delivery %s (error %s)", provider_id, status, error_code or "-")
        return StatusOutcome(known=True, changed=True)
    known = rows.exists()
    if not known:
        logger.info("Delivery report for an unknown text %s: ignored", provider_id)
    return StatusOutcome(known=known, changed=False)
