"""Offering a held time: who is offered, in what order, batch after batch, and taking it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from booking.models import Appointment, OutboundMessage, WaitlistEntry, WaitlistHold, WaitlistOffer
from booking.profile import clinic_profile_get
from booking.waitlist.entries import waitlist_entries_expire
from booking.waitlist.errors import OfferGone, OfferLapsed
from booking.waitlist.offers import hold_offer_next
from booking.waitlist.take import offer_take
from tests.factories import AppointmentFactory, next_weekday_at

pytestmark = pytest.mark.django_db


def offered(hold=None):
    offers = WaitlistOffer.objects.all() if hold is None else hold.offers.all()
    return set(offers.filter(status="open").values_list("entry_id", flat=True))


def test_first_batch_is_urgent_first_then_longest_waiting(entry_factory, cancel_visit):
    newest = entry_factory(waited_days=1)
    oldest = entry_factory(waited_days=9)
    middle = entry_factory(waited_days=5)
    urgent = entry_factory(waited_days=0, urgent=True, urgent_reason="Cannot walk")

    cancel_visit()

    assert offered() == {urgent.pk, oldest.pk, middle.pk}
    assert newest.pk not in offered()
    hold = WaitlistHold.objects.get()
    assert hold.batches_sent == 1
    messages = OutboundMessage.objects.filter(kind="waitlist_offer")
    assert messages.count() == 3
    assert all(m.waitlist_offer_id for m in messages)


def test_only_matching_entries_are_offered(entry_factory, cancel_visit, slot, doctor):
    from tests.factories import PractitionerFactory

    other = PractitionerFactory(consultation_types=[doctor.consultation_types.first()])
    fits = entry_factory(practitioner=doctor)
    entry_factory(status="pending")  # never confirmed
    entry_factory(practitioner=other)
    entry_factory(weekdays=0b1111111 & ~(1 << slot.weekday()))
    entry_factory(day_parts=4)  # evenings only; the slot is at 10:00
    entry_factory(latest_date=slot.date() - timedelta(days=1))
    entry_factory(expires_at=timezone.now() - timedelta(minutes=1))
    booked_earlier = AppointmentFactory(
        consultation_type=doctor.consultation_types.first(),
        practitioner=doctor,
        start=slot - timedelta(days=1),
    )
    entry_factory(appointment=booked_earlier)  # already booked before the freed time

    cancel_visit()

    assert offered() == {fits.pk}


def test_an_entry_changed_to_no_longer_match_is_not_offered(entry_factory, cancel_visit, slot):
    entry = entry_factory()
    WaitlistEntry.objects.filter(pk=entry.pk).update(day_parts=2)  # afternoons now

    cancel_visit()

    assert not WaitlistOffer.objects.exists()
    # The freeing transaction's quick check held it; the full match released it at once.
    assert WaitlistHold.objects.get().status == WaitlistHold.Status.RELEASED


def test_next_batch_after_the_window_then_release(entry_factory, cancel_visit):
    entries = [entry_factory(waited_days=10 - n) for n in range(4)]
    cancel_visit()
    hold = WaitlistHold.objects.get()
    assert offered(hold) == {e.pk for e in entries[:3]}

    # Too early: the first batch still has the time.
    assert hold_offer_next(hold_id=hold.pk) == []
    later = hold.window_ends_at + timedelta(seconds=1)
    second = hold_offer_next(hold_id=hold.pk, now=later)
    assert {o.entry_id for o in second} == {entries[3].pk}
    assert hold.offers.filter(status="lapsed").count() == 3

    hold.refresh_from_db()
    assert hold_offer_next(hold_id=hold.pk, now=hold.window_ends_at) == []
    hold.refresh_from_db()
    assert hold.status == WaitlistHold.Status.RELEASED
    # A patient of the first batch clicking late is told, and stays on the list.
    with pytest.raises(OfferLapsed):
        offer_take(entry=entries[0], offer=WaitlistOffer.objects.get(entry=entries[0]))
    assert WaitlistEntry.objects.get(pk=entries[0].pk).status == "active"


def test_daily_offer_cap(entry_factory, cancel_visit, slot):
    profile = clinic_profile_get()
    profile.waitlist_offers_per_day = 1
    profile.save()
    entry = entry_factory()
    cancel_visit()
    cancel_visit(start=slot + timedelta(hours=2))

    assert WaitlistOffer.objects.filter(entry=entry).count() == 1


def test_taking_an_offer_books_it_and_the_others_are_told(entry_factory, cancel_visit, slot):
    first, second = entry_factory(waited_days=3), entry_factory(waited_days=2)
    cancel_visit()

    appointment = offer_take(entry=first, offer=WaitlistOffer.objects.get(entry=first))

    assert (appointment.start, appointment.patient_id) == (slot, first.patient_id)
    hold = WaitlistHold.objects.get()
    assert (hold.status, hold.appointment_id) == ("taken", appointment.pk)
    with pytest.raises(OfferGone) as refused:
        offer_take(entry=second, offer=WaitlistOffer.objects.get(entry=second))
    assert "still on the list" in str(refused.value.message)
    assert WaitlistEntry.objects.get(pk=second.pk).status == "active"
    assert WaitlistEntry.objects.get(pk=first.pk).status == "booked"
    # Taking it again (a double click) is the same visit.
    again = offer_take(entry=first, offer=WaitlistOffer.objects.get(entry=first))
    assert again.pk == appointment.pk


def test_cascade_a_move_frees_a_time_that_is_offered_and_taken(
    entry_factory, cancel_visit, slot, ctype, doctor, django_capture_on_commit_callbacks
):
    later = next_weekday_at(15, weekday=3)
    booked = AppointmentFactory(consultation_type=ctype, practitioner=doctor, start=later)
    mover = entry_factory(patient=booked.patient, appointment=booked, waited_days=5)
    cancel_visit()
    offer = WaitlistOffer.objects.get(entry=mover)
    waiting = entry_factory(waited_days=1, earliest_date=later.date())

    with django_capture_on_commit_callbacks(execute=True):
        moved = offer_take(entry=mover, offer=offer)

    assert moved.pk == booked.pk
    assert moved.start == slot
    freed = WaitlistHold.objects.get(start=later)
    taken = offer_take(entry=waiting, offer=WaitlistOffer.objects.get(hold=freed, entry=waiting))
    assert taken.start == later
    assert Appointment.objects.filter(status="confirmed").count() == 2


def test_expiry_closes_entries_and_they_are_never_offered(entry_factory, cancel_visit):
    old = entry_factory(expires_at=timezone.now() - timedelta(seconds=1))
    assert waitlist_entries_expire() == 1
    old.refresh_from_db()
    assert old.status == "expired"
    cancel_visit()
    assert not WaitlistOffer.objects.exists()
