"""Many patients clicking "book" at once: the database lets exactly one through.

Real threads, each with its own connection, against whichever database is configured (CI runs
this file on SQLite's file database and on PostgreSQL). A barrier releases them together.
"""

from __future__ import annotations

import importlib
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from booking.models import Appointment
from booking.patients.identity import ContactDetails
from booking.scheduling.booking import appointment_book
from booking.scheduling.changes import appointment_reschedule
from booking.scheduling.errors import BookingLimitReached, SlotUnavailable
from booking.scheduling.selectors import available_slots
from tests.factories import ConsultationTypeFactory, PatientFactory, PractitionerFactory

# serialized_rollback: the flush after each test must not take the rows the migrations made
# (the clinic profile) away from the tests that run after these on a reused database.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NY = ZoneInfo("America/New_York")
DAY = date(2026, 6, 15)
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
guards = importlib.import_module("booking.migrations.0004_overlap_guards")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), tzinfo=NY)


def run_together(calls: list[Callable[[], object]]) -> Counter:
    """Run the calls in threads released at once; count 'booked', 'taken' and error names."""
    barrier = threading.Barrier(len(calls))
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def worker(call):
        try:
            barrier.wait()
            call()
            outcome = "booked"
        except SlotUnavailable:
            outcome = "taken"
        except BookingLimitReached:
            outcome = "limit"
        except Exception as exc:  # noqa: BLE001 - the test counts every kind of failure
            outcome = f"error: {type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def booking(ctype, start, n: int, **kwargs) -> Callable[[], object]:
    def call():
        return appointment_book(
            consultation_type=ctype,
            start=start,
            contact=ContactDetails(full_name=f"Patient {n}", email=f"p{n}@example.com"),
            now=NOW,
            **kwargs,
        )

    return call


def test_fifty_concurrent_bookings_of_one_slot_give_exactly_one():
    ctype = ConsultationTypeFactory(duration_minutes=30)
    PractitionerFactory(consultation_types=[ctype])

    outcomes = run_together([booking(ctype, at(10), n) for n in range(50)])

    assert outcomes == Counter({"booked": 1, "taken": 49})
    assert Appointment.objects.count() == 1


def test_overlapping_long_and_short_bookings_at_once_give_exactly_one():
    long_visit = ConsultationTypeFactory(duration_minutes=60)
    short_visit = ConsultationTypeFactory(duration_minutes=30)
    practitioner = PractitionerFactory(consultation_types=[long_visit, short_visit])

    for hour in (9, 11, 13, 15):
        outcomes = run_together(
            [
                booking(long_visit, at(hour), 2 * hour, practitioner=practitioner),
                booking(short_visit, at(hour, 30), 2 * hour + 1, practitioner=practitioner),
            ]
        )
        assert outcomes == Counter({"booked": 1, "taken": 1})
    assert Appointment.objects.count() == 4


def test_concurrent_double_submission_with_one_key_books_once():
    ctype = ConsultationTypeFactory(duration_minutes=30)
    PractitionerFactory(consultation_types=[ctype])

    outcomes = run_together(
        [booking(ctype, at(10), 0, idempotency_key="same-form") for _ in range(10)]
    )

    assert outcomes == Counter({"booked": 10})
    assert Appointment.objects.count() == 1


def test_one_patient_booking_in_many_tabs_at_once_stays_within_the_limit():
    ctype = ConsultationTypeFactory(duration_minutes=30)
    practitioners = [PractitionerFactory(consultation_types=[ctype]) for _ in range(5)]

    def same_patient(practitioner, hour):
        return lambda: appointment_book(
            consultation_type=ctype,
            start=at(hour),
            practitioner=practitioner,
            contact=ContactDetails(full_name="Ana Diaz", email="ana@example.com"),
            now=NOW,
        )

    outcomes = run_together(
        [same_patient(p, hour) for p, hour in zip(practitioners, range(9, 14), strict=True)]
    )

    assert outcomes == Counter({"booked": 3, "limit": 2})
    assert Appointment.objects.count() == 3


def test_two_reschedules_onto_one_free_slot_at_once_give_exactly_one():
    ctype = ConsultationTypeFactory(duration_minutes=30)
    PractitionerFactory(consultation_types=[ctype])
    first = booking(ctype, at(9), 1)()
    second = booking(ctype, at(9, 30), 2)()

    outcomes = run_together(
        [
            lambda: appointment_reschedule(appointment=first, start=at(14), now=NOW),
            lambda: appointment_reschedule(appointment=second, start=at(14), now=NOW),
        ]
    )

    assert outcomes == Counter({"booked": 1, "taken": 1})
    assert Appointment.objects.filter(start=at(14)).count() == 1


def test_control_run_without_lock_recheck_or_guard_lets_a_race_through():
    """The harness can see a race: a naive check-then-insert with the guard dropped."""
    ctype = ConsultationTypeFactory(duration_minutes=30)
    practitioner = PractitionerFactory(consultation_types=[ctype])
    patient = PatientFactory()
    checked = threading.Barrier(10)

    def naive_booking():
        free = available_slots(consultation_type=ctype, first_day=DAY, last_day=DAY, now=NOW)
        assert at(10) in [slot.start for slot in free[DAY]]
        checked.wait()  # everyone has seen the slot free before anyone writes
        Appointment.objects.create(
            consultation_type=ctype,
            practitioner=practitioner,
            patient=patient,
            start=at(10),
            end=at(10, 30),
            occupied_start=at(10),
            occupied_end=at(10, 30),
            contact_name="Naive",
            contact_email="naive@example.com",
        )

    with connection.schema_editor() as editor:
        guards.remove_guards(None, editor)
    try:
        outcomes = run_together([naive_booking] * 10)
    finally:
        Appointment.objects.all().delete()
        with connection.schema_editor() as editor:
            guards.add_guards(None, editor)

    assert outcomes["booked"] > 1
    # Restored: the guard refuses the same race again.
    assert run_together([booking(ctype, at(10), n) for n in range(10)]) == Counter(
        {"booked": 1, "taken": 9}
    )
