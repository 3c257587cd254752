"""Twenty patients take the same offer at once: one visit, nineteen clear messages.

Real threads, each with its own connection, on whichever database is configured (SQLite's file
database and PostgreSQL); the overlap guard decides, as for every booking.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from booking.models import Appointment, WaitlistEntry, WaitlistHold, WaitlistOffer
from booking.profile import clinic_profile_get
from booking.scheduling.changes import appointment_cancel
from booking.waitlist.errors import OfferGone
from booking.waitlist.offers import hold_offer_next
from booking.waitlist.take import offer_take
from tests.booking.waitlist.conftest import make_entry
from tests.factories import (
    AppointmentFactory,
    ConsultationTypeFactory,
    PractitionerFactory,
    next_weekday_at,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_twenty_takers_of_one_offer_give_one_visit_and_nineteen_messages():
    profile = clinic_profile_get()
    profile.waitlist_batch_size = 20
    profile.save()
    ctype = ConsultationTypeFactory()
    doctor = PractitionerFactory(consultation_types=[ctype])
    entries = [make_entry(ctype, waited_days=30 - n) for n in range(20)]
    visit = AppointmentFactory(
        consultation_type=ctype, practitioner=doctor, start=next_weekday_at(10)
    )
    appointment_cancel(appointment=visit, apply_patient_rules=False)
    hold = WaitlistHold.objects.get()
    hold_offer_next(hold_id=hold.pk)  # idempotent if the on-commit task already ran
    offers = {o.entry_id: o for o in WaitlistOffer.objects.filter(hold=hold)}
    assert len(offers) == 20

    barrier = threading.Barrier(20)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def take(entry: WaitlistEntry):
        try:
            barrier.wait()
            offer_take(entry=entry, offer=offers[entry.pk])
            outcome = "booked"
        except OfferGone as exc:
            outcome = "told: " + str(exc.message)
        except Exception as exc:  # noqa: BLE001 - every other outcome is a failure to count
            outcome = f"error: {type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=take, args=(entry,)) for entry in entries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    told = "told: This time has just been taken; you are still on the list."
    assert outcomes == Counter({"booked": 1, told: 19})
    assert Appointment.objects.exclude(status="cancelled").count() == 1
    assert WaitlistEntry.objects.filter(status="active").count() == 19
    assert WaitlistOffer.objects.filter(status="taken").count() == 1
    assert WaitlistOffer.objects.filter(status="missed").count() == 19
