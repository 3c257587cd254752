""" "Lost your link?": send the private links of a patient's open visits to their address."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from booking.messaging.notifications import manage_links_requested
from booking.models import (
    Appointment,
)

logger = logging.getLogger(__name__)


def manage_links_resend(*, email: str, now: datetime | None = None) -> None:
    """E-mail fresh manage links for the open visits booked with this address (if any).

    Returns nothing and raises nothing for an unknown address: the caller must answer the same
    whether or not the address is on file.
    """
    email = (email or "").strip()
    if not email:
        return
    now = now or timezone.now()
    appointments = list(
        Appointment.objects.filter(
            contact_email__iexact=email, status__in=Appointment.OPEN_STATUSES, start__gt=now
        ).order_by("start")
    )
    if appointments:
        with transaction.atomic():
            manage_links_requested(appointments)
