""" "Lost your link?": send the private links of a patient's open visits to their address.

The page does the same work for every address (store a request row, queue its id), so neither
its answer nor its timing tells whether the address is on file; the worker does the look-up.
The address never travels as a task argument: only the row's id does, and the row is deleted
once answered.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from booking.messaging.notifications import manage_links_requested
from booking.messaging.queue import link_request_enqueue
from booking.models import Appointment, LinkRequest

logger = logging.getLogger(__name__)

# A request a lost task never answered is purged after this long.
REQUEST_MAX_AGE = timedelta(days=1)


def link_request_create(*, email: str) -> None:
    """Record the request and queue it for the worker (after commit); the same for any address."""
    request = LinkRequest.objects.create(email=(email or "").strip())
    transaction.on_commit(lambda: link_request_enqueue(request_id=request.pk))


def link_request_process(*, request_id: int, now: datetime | None = None) -> None:
    """Answer one stored request, then forget it (and any stale ones left by lost tasks)."""
    now = now or timezone.now()
    with transaction.atomic():
        request = LinkRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is not None:
            manage_links_resend(email=request.email, now=now)
            request.delete()
        LinkRequest.objects.filter(created_at__lt=now - REQUEST_MAX_AGE).delete()


def manage_links_resend(*, email: str, now: datetime | None = None) -> None:
    """E-mail fresh manage links for the open visits booked with this address (if any)."""
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
