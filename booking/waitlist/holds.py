"""The hold on freed time, made inside the transaction that frees it.

booking.events runs `hold_freed_time` in the cancelling or moving transaction (an
in-transaction receiver), so between that commit and the first offer the public cannot book the
time. A hold is made only when someone active might want it; the worker does the full match.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from booking.events import AppointmentEvent
from booking.models import Appointment, ConsultationType, WaitlistEntry, WaitlistHold
from booking.profile import clinic_profile_get
from booking.scheduling.clock import clinic_zone
from booking.scheduling.guards import occupied
from booking.scheduling.loader import rules_for
from booking.waitlist.queue import offer_next_enqueue

# How long a new hold waits for its first batch: the offer goes out within seconds; if no
# worker runs at all, the time returns to the public after this.
FIRST_OFFER_GRACE = timedelta(minutes=2)

Status = WaitlistHold.Status


def _overlapping(model, *, practitioner_id: int, start: datetime, end: datetime):
    return model.objects.filter(
        practitioner_id=practitioner_id, occupied_start__lt=end, occupied_end__gt=start
    )


def holds_active_between(*, start: datetime, end: datetime) -> list[tuple[int, datetime, datetime]]:
    """(practitioner, occupied start, occupied end) of the holds blocking public booking now
    within the range: staff pages mark these times ("held for the waitlist")."""
    return list(
        WaitlistHold.objects.filter(
            status=Status.OFFERING,
            held_until__gt=timezone.now(),
            occupied_start__lt=end,
            occupied_end__gt=start,
        ).values_list("practitioner_id", "occupied_start", "occupied_end")
    )


def hold_overlaps_visit(hold: WaitlistHold) -> bool:
    return (
        _overlapping(
            Appointment,
            practitioner_id=hold.practitioner_id,
            start=hold.occupied_start,
            end=hold.occupied_end,
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .exists()
    )


def hold_freed_time(event: AppointmentEvent, *, now: datetime | None = None) -> WaitlistHold | None:
    """Hold the freed visit's time for the waitlist if anyone active might want it."""
    if None in (event.consultation_type_id, event.practitioner_id, event.start):
        return None  # freed hours or a closure: no one concrete slot (see docs/waitlist)
    now = now or timezone.now()
    ctype = ConsultationType.objects.filter(pk=event.consultation_type_id, active=True).first()
    if ctype is None:
        return None
    rules = rules_for(ctype, clinic_profile_get())
    if not now + rules.min_notice <= event.start <= now + rules.horizon:
        return None  # patients could not book it online anyway
    day = event.start.astimezone(clinic_zone()).date()
    wanted = WaitlistEntry.objects.filter(
        Q(practitioner__isnull=True) | Q(practitioner_id=event.practitioner_id),
        status=WaitlistEntry.Status.ACTIVE,
        consultation_type=ctype,
        expires_at__gt=now,
        earliest_date__lte=day,
        latest_date__gte=day,
    )
    if not wanted.exists():
        return None
    end, occupied_start, occupied_end = occupied(ctype, event.start)
    span = {"practitioner_id": event.practitioner_id, "start": occupied_start, "end": occupied_end}
    # A move to an overlapping time leaves part of the old one busy; a time already held (two
    # events for it) needs no second hold.
    if (
        _overlapping(Appointment, **span).exclude(status=Appointment.Status.CANCELLED).exists()
        or _overlapping(WaitlistHold, **span)
        .filter(status=Status.OFFERING, held_until__gt=now)
        .exists()
    ):
        return None
    hold = WaitlistHold.objects.create(
        consultation_type=ctype,
        practitioner_id=event.practitioner_id,
        start=event.start,
        end=end,
        occupied_start=occupied_start,
        occupied_end=occupied_end,
        held_until=now + FIRST_OFFER_GRACE,
        freed_at=now,
        freed_appointment_id=event.appointment_id,
    )
    transaction.on_commit(lambda: offer_next_enqueue(hold_id=hold.pk))
    return hold
