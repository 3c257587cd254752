"""Taking an offer: the first of the batch to confirm gets the visit.

No lock of our own decides the winner: the booking services re-check the time under their
practitioner lock and the database's overlap guard has the last word, as for every booking.
The others get OfferGone ("just taken; you are still on the list"). A booked patient is moved
in the same transaction, and the time they leave is freed (and held and offered in its turn).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from booking.models import Appointment, WaitlistEntry, WaitlistHold, WaitlistOffer
from booking.patients.identity import ContactDetails
from booking.scheduling.booking import appointment_book
from booking.scheduling.changes import appointment_reschedule
from booking.scheduling.errors import SlotUnavailable
from booking.waitlist.errors import EntryClosed, OfferGone, OfferLapsed

logger = logging.getLogger(__name__)

HoldStatus = WaitlistHold.Status
OfferStatus = WaitlistOffer.Status


def offer_for_entry(*, entry: WaitlistEntry, offer_id: int) -> WaitlistOffer | None:
    return (
        WaitlistOffer.objects.select_related(
            "hold__consultation_type", "hold__practitioner", "hold__appointment"
        )
        .filter(pk=offer_id, entry=entry)
        .first()
    )


def offer_check(offer: WaitlistOffer, *, now: datetime) -> None:
    """Raise the reason this offer can no longer be taken, if any."""
    hold = offer.hold
    if offer.status == OfferStatus.MISSED or hold.status == HoldStatus.TAKEN:
        raise OfferGone()
    if (
        offer.status == OfferStatus.LAPSED
        or hold.status == HoldStatus.RELEASED
        or offer.batch != hold.batches_sent
        or (hold.window_ends_at is not None and now >= hold.window_ends_at)
    ):
        raise OfferLapsed()


def offer_take(
    *, entry: WaitlistEntry, offer: WaitlistOffer, now: datetime | None = None
) -> Appointment:
    """Book (or move the patient's visit to) the offered time; taking it twice is once."""
    now = now or timezone.now()
    if offer.status == OfferStatus.TAKEN and offer.hold.appointment is not None:
        return offer.hold.appointment
    offer_check(offer, now=now)
    entry = WaitlistEntry.objects.select_related("patient", "appointment").get(pk=entry.pk)
    if entry.status != WaitlistEntry.Status.ACTIVE:
        raise EntryClosed()
    hold = offer.hold
    try:
        with transaction.atomic():
            moving = entry.appointment if entry.appointment and entry.appointment.is_open else None
            if moving is not None:
                appointment = appointment_reschedule(
                    appointment=moving,
                    start=hold.start,
                    practitioner=hold.practitioner,
                    hold_id=hold.pk,
                    now=now,
                )
            else:
                patient = entry.patient
                appointment = appointment_book(
                    consultation_type=hold.consultation_type,
                    start=hold.start,
                    practitioner=hold.practitioner,
                    contact=ContactDetails(
                        full_name=patient.full_name,
                        email=patient.email,
                        phone=str(patient.phone or ""),
                        date_of_birth=patient.date_of_birth,
                    ),
                    hold_id=hold.pk,
                    idempotency_key=f"waitlist-offer-{offer.pk}",
                    now=now,
                )
            WaitlistHold.objects.filter(pk=hold.pk).update(
                status=HoldStatus.TAKEN, appointment=appointment, ended_at=now, held_until=now
            )
            hold.offers.filter(status=OfferStatus.OPEN).exclude(pk=offer.pk).update(
                status=OfferStatus.MISSED, ended_at=now
            )
            WaitlistOffer.objects.filter(pk=offer.pk).update(status=OfferStatus.TAKEN, ended_at=now)
            WaitlistEntry.objects.filter(pk=entry.pk).update(
                status=WaitlistEntry.Status.BOOKED, ended_at=now
            )
            return appointment
    except SlotUnavailable:
        # Someone else of the batch won; this entry stays active for the next freed time.
        WaitlistOffer.objects.filter(pk=offer.pk, status=OfferStatus.OPEN).update(
            status=OfferStatus.MISSED, ended_at=now
        )
        raise OfferGone() from None
