"""The hold: made in the freeing transaction, read by availability in the busy-time query,
refusing public bookings, letting staff through."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.models import WaitlistHold
from booking.patients.identity import ContactDetails
from booking.scheduling.booking import appointment_book
from booking.scheduling.errors import SlotUnavailable
from booking.scheduling.selectors import available_slots
from booking.waitlist import offers

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_offers(monkeypatch):
    """Keep the hold as the freeing transaction left it (no batch sent)."""
    monkeypatch.setattr(offers, "entries_matching", lambda *a, **k: [])
    from booking.waitlist import holds

    monkeypatch.setattr(holds, "offer_next_enqueue", lambda **kw: None)


def starts(ctype, day, **kwargs):
    return [
        s.start
        for s in available_slots(
            consultation_type=ctype, first_day=day, last_day=day, **kwargs
        ).get(day, [])
    ]


def test_cancelling_with_someone_waiting_holds_the_time(
    entry_factory, cancel_visit, slot, ctype, no_offers
):
    entry_factory()
    cancel_visit()

    hold = WaitlistHold.objects.get()
    assert (hold.start, hold.status) == (slot, WaitlistHold.Status.OFFERING)
    assert slot not in starts(ctype, slot.date())
    # Staff see through holds (their page warns them).
    assert slot in starts(ctype, slot.date(), include_holds=False)


def test_no_hold_when_nobody_waits_or_only_unconfirmed_entries(
    entry_factory, cancel_visit, slot, ctype
):
    entry_factory(status="pending")
    entry_factory(earliest_date=slot.date() + timedelta(days=1))
    cancel_visit()

    assert not WaitlistHold.objects.exists()
    assert slot in starts(ctype, slot.date())


def test_public_booking_inside_a_hold_is_refused_staff_may_book(
    entry_factory, cancel_visit, slot, ctype, no_offers
):
    entry_factory()
    cancel_visit()
    contact = ContactDetails(full_name="Pat Public", email="pat@example.com")

    with pytest.raises(SlotUnavailable):
        appointment_book(consultation_type=ctype, start=slot, contact=contact)
    staff = appointment_book(
        consultation_type=ctype, start=slot, contact=contact, apply_patient_rules=False
    )
    assert staff.start == slot


def test_holds_cost_no_extra_query(entry_factory, cancel_visit, slot, ctype, no_offers):
    day = slot.date()
    starts(ctype, day)  # warm whatever is cached (the clinic profile), so both counts compare
    with CaptureQueriesContext(connection) as before:
        starts(ctype, day)
    entry_factory()
    cancel_visit()
    with CaptureQueriesContext(connection) as after:
        starts(ctype, day)
    assert len(after) == len(before)


def test_a_hold_past_held_until_no_longer_blocks(
    entry_factory, cancel_visit, slot, ctype, no_offers
):
    entry_factory()
    cancel_visit()
    WaitlistHold.objects.update(held_until=slot - timedelta(days=30))

    assert slot in starts(ctype, slot.date())
