"""Booking services: rules re-checked on the server, idempotency, lifecycle, database guard."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.models import Appointment, OutboundMessage, Patient
from booking.patients.identity import ContactDetails
from booking.patients.intake import IntakeDetails
from booking.scheduling.booking import appointment_book
from booking.scheduling.changes import (
    TRANSITIONS,
    appointment_can_change_online,
    appointment_cancel,
    appointment_reschedule,
    appointment_set_status,
)
from booking.scheduling.errors import (
    BookingLimitReached,
    ChangeNotAllowed,
    ConcurrentChange,
    InvalidTransition,
    SlotUnavailable,
)
from booking.scheduling.selectors import available_slots
from tests.factories import (
    AppointmentFactory,
    ConsultationTypeFactory,
    PatientFactory,
    PractitionerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
DAY = date(2026, 6, 15)  # a Monday
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
Status = Appointment.Status


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NY)


def contact(email: str = "ana@example.com", name: str = "Ana Diaz") -> ContactDetails:
    return ContactDetails(full_name=name, email=email, phone="+14135550100")


@pytest.fixture
def ctype():
    return ConsultationTypeFactory(duration_minutes=30, slot_granularity_minutes=30)


@pytest.fixture
def practitioner(ctype):
    return PractitionerFactory(consultation_types=[ctype])


def book(ctype, start, **kwargs):
    kwargs.setdefault("contact", contact())
    kwargs.setdefault("now", NOW)
    return appointment_book(consultation_type=ctype, start=start, **kwargs)


def test_appointment_book_online_confirms_at_once_and_queues_emails(ctype, practitioner):
    appointment = book(ctype, at(10), intake=IntakeDetails(joints=["knee"], note="Left knee"))

    assert (appointment.status, appointment.source) == (Status.CONFIRMED, "online")
    assert appointment.practitioner == practitioner
    assert (appointment.start, appointment.end) == (at(10), at(10, 30))
    assert appointment.intake.joints == ["knee"]
    # Reminders whose moment had passed at booking are recorded as skipped, never sent.
    to_send = OutboundMessage.objects.exclude(status=OutboundMessage.Status.SKIPPED)
    kinds = set(to_send.values_list("kind", flat=True))
    assert kinds == {OutboundMessage.Kind.CONFIRMATION, OutboundMessage.Kind.STAFF_NEW}


def test_appointment_book_type_needing_approval_is_a_request_online_only(ctype, practitioner):
    ctype.requires_approval = True
    ctype.save()
    staff = UserFactory()

    online = book(ctype, at(10))
    by_phone = book(ctype, at(11), source="phone", acting_user=staff, contact=contact("b@x.com"))

    assert online.status == Status.REQUESTED
    assert (by_phone.status, by_phone.booked_by) == (Status.CONFIRMED, staff)


def test_appointment_book_same_idempotency_key_returns_the_first_booking(ctype, practitioner):
    first = book(ctype, at(10), idempotency_key="form-123")
    again = book(ctype, at(10), idempotency_key="form-123")

    assert again.pk == first.pk
    assert Appointment.objects.count() == 1
    assert OutboundMessage.objects.exclude(status=OutboundMessage.Status.SKIPPED).count() == 2


@pytest.mark.parametrize(
    "start",
    [
        pytest.param(at(10, 10), id="off-grid"),
        pytest.param(at(8), id="before-hours"),
        pytest.param(at(16, 45), id="ends-after-hours"),
        pytest.param(at(10, day=date(2026, 6, 13)), id="weekend"),
        pytest.param(datetime(2026, 6, 1, 12, 30, tzinfo=UTC), id="past-notice"),
        pytest.param(at(10, day=date(2026, 9, 14)), id="past-horizon"),
    ],
)
def test_appointment_book_refuses_a_time_the_rules_do_not_offer(ctype, practitioner, start):
    ctype.min_notice_minutes = 24 * 60
    ctype.save()

    with pytest.raises(SlotUnavailable):
        book(ctype, start)

    assert Appointment.objects.count() == 0
    assert Patient.objects.count() == 0


def test_appointment_book_staff_may_skip_notice_but_never_double_book(ctype, practitioner):
    ctype.min_notice_minutes = 24 * 60
    ctype.save()
    soon = datetime(2026, 6, 2, 14, tzinfo=UTC)  # 10:00 in New York, tomorrow morning

    made = book(ctype, soon, source="phone", apply_patient_rules=False)
    with pytest.raises(SlotUnavailable):
        book(ctype, soon, source="phone", apply_patient_rules=False, contact=contact("x@y.com"))

    assert made.start == soon


def test_appointment_book_taken_slot_raises_slot_unavailable(ctype, practitioner):
    book(ctype, at(10))

    with pytest.raises(SlotUnavailable):
        book(ctype, at(10), contact=contact("other@example.com"))


def test_appointment_book_buffers_block_the_neighbouring_slot():
    ctype = ConsultationTypeFactory(
        duration_minutes=30, slot_granularity_minutes=30, buffer_after_minutes=10
    )
    PractitionerFactory(consultation_types=[ctype])
    book(ctype, at(10))

    with pytest.raises(SlotUnavailable):
        book(ctype, at(10, 30), contact=contact("other@example.com"))
    assert book(ctype, at(11), contact=contact("third@example.com")).start == at(11)


def test_appointment_book_existing_patient_is_never_overwritten(ctype, practitioner):
    patient = PatientFactory(full_name="Ana Diaz", email="ana@example.com", phone="+14135550199")

    appointment = book(ctype, at(10), contact=contact("ANA@example.com", name="ana  DIAZ"))

    patient.refresh_from_db()
    assert appointment.patient == patient
    assert (patient.full_name, str(patient.phone)) == ("Ana Diaz", "+14135550199")
    assert (appointment.contact_name, appointment.contact_email) == ("ana  DIAZ", "ANA@example.com")


def test_appointment_book_limit_of_open_visits_applies_to_patients_not_staff(ctype, practitioner):
    for hour in (9, 10, 11):
        book(ctype, at(hour))

    with pytest.raises(BookingLimitReached):
        book(ctype, at(12))
    staff_made = book(ctype, at(12), source="phone", apply_patient_rules=False)

    assert staff_made.patient.appointments.count() == 4


def test_appointment_book_any_practitioner_shares_the_day(ctype, practitioner):
    other = PractitionerFactory(consultation_types=[ctype])
    book(ctype, at(9), practitioner=practitioner, contact=contact("a@example.com"))

    assigned = book(ctype, at(10), contact=contact("b@example.com"))

    assert assigned.practitioner == other


def test_appointment_book_practitioner_not_offering_the_type_is_refused(ctype, practitioner):
    stranger = PractitionerFactory()

    with pytest.raises(SlotUnavailable):
        book(ctype, at(10), practitioner=stranger)


def test_appointment_book_naive_start_is_a_programming_error(ctype, practitioner):
    with pytest.raises(ValueError, match="aware"):
        book(ctype, datetime(2026, 6, 15, 10))  # noqa: DTZ001


def test_appointment_reschedule_moves_within_its_own_old_time(ctype, practitioner):
    appointment = book(ctype, at(10))
    book(ctype, at(11), contact=contact("b@example.com"))

    moved = appointment_reschedule(appointment=appointment, start=at(10, 30), now=NOW)
    with pytest.raises(SlotUnavailable):
        appointment_reschedule(appointment=moved, start=at(11), now=NOW)

    assert (moved.start, moved.end, moved.occupied_end) == (at(10, 30), at(11), at(11))
    assert moved.sequence == 1
    assert moved.version == 1
    assert at(10) in [
        s.start
        for s in available_slots(consultation_type=ctype, first_day=DAY, last_day=DAY, now=NOW)[DAY]
    ]


def test_appointment_reschedule_stale_copy_raises_concurrent_change(ctype, practitioner):
    appointment = book(ctype, at(10))
    stale = Appointment.objects.get(pk=appointment.pk)
    appointment_reschedule(appointment=appointment, start=at(11), now=NOW)

    with pytest.raises(ConcurrentChange):
        appointment_reschedule(appointment=stale, start=at(12), now=NOW)


def test_appointment_reschedule_and_cancel_close_at_the_cutoff(ctype, practitioner):
    appointment = book(ctype, at(10))
    late = at(10) - timedelta(hours=23)

    assert appointment_can_change_online(appointment, now=NOW)
    assert not appointment_can_change_online(appointment, now=late)
    with pytest.raises(ChangeNotAllowed):
        appointment_reschedule(appointment=appointment, start=at(11), now=late)
    with pytest.raises(ChangeNotAllowed):
        appointment_cancel(appointment=appointment, now=late)
    staff_cancelled = appointment_cancel(
        appointment=appointment, now=late, apply_patient_rules=False, source="admin"
    )

    assert staff_cancelled.status == Status.CANCELLED


def test_appointment_cancel_frees_the_slot_and_is_idempotent(ctype, practitioner):
    appointment = book(ctype, at(10))

    cancelled = appointment_cancel(appointment=appointment, reason="Feeling better", now=NOW)
    again = appointment_cancel(appointment=cancelled, now=NOW)
    rebooked = book(ctype, at(10), contact=contact("b@example.com"))

    assert (again.status, again.cancellation_reason) == (Status.CANCELLED, "Feeling better")
    assert OutboundMessage.objects.filter(kind=OutboundMessage.Kind.CANCELLED).count() == 1
    assert rebooked.start == at(10)


def test_appointment_set_status_follows_the_transition_table(ctype, practitioner):
    ctype.requires_approval = True
    ctype.save()
    appointment = book(ctype, at(10))
    during = at(10, 5)

    confirmed = appointment_set_status(
        appointment=appointment, status=Status.CONFIRMED, acting_user=None, now=NOW
    )
    arrived = appointment_set_status(
        appointment=confirmed, status=Status.ARRIVED, acting_user=None, now=during
    )
    completed = appointment_set_status(
        appointment=arrived, status=Status.COMPLETED, acting_user=None, now=during
    )

    assert confirmed.sequence == 1
    assert OutboundMessage.objects.filter(kind=OutboundMessage.Kind.CONFIRMATION).count() == 1
    assert completed.status == Status.COMPLETED
    assert TRANSITIONS[Status.COMPLETED] == set()
    with pytest.raises(InvalidTransition):
        appointment_set_status(appointment=completed, status=Status.CANCELLED, acting_user=None)
    with pytest.raises(InvalidTransition):
        appointment_set_status(appointment=completed, status=Status.CONFIRMED, acting_user=None)


@pytest.mark.parametrize(
    ("status", "now"),
    [
        (Status.NO_SHOW, at(9)),
        (Status.COMPLETED, at(9, 59)),
        (Status.ARRIVED, at(20, day=date(2026, 6, 14))),
        ("teleported", at(11)),
    ],
)
def test_appointment_set_status_refuses_impossible_changes(ctype, practitioner, status, now):
    appointment = book(ctype, at(10))

    with pytest.raises(InvalidTransition):
        appointment_set_status(appointment=appointment, status=status, acting_user=None, now=now)

    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


# --- The database guard, bypassing the services --------------------------------------------


def test_database_refuses_an_overlapping_insert_that_bypasses_the_services(ctype, practitioner):
    AppointmentFactory(consultation_type=ctype, practitioner=practitioner, start=at(10))

    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(consultation_type=ctype, practitioner=practitioner, start=at(10, 15))


def test_database_refuses_moving_a_row_onto_another(ctype, practitioner):
    AppointmentFactory(consultation_type=ctype, practitioner=practitioner, start=at(10))
    other = AppointmentFactory(consultation_type=ctype, practitioner=practitioner, start=at(11))

    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=other.pk).update(
            occupied_start=at(10, 20), start=at(10, 20), end=at(10, 50), occupied_end=at(10, 50)
        )


def test_database_guard_allows_touching_cancelled_and_other_practitioners(ctype, practitioner):
    AppointmentFactory(consultation_type=ctype, practitioner=practitioner, start=at(10))
    cancelled = AppointmentFactory(
        consultation_type=ctype, practitioner=practitioner, start=at(10), status=Status.CANCELLED
    )
    AppointmentFactory(consultation_type=ctype, practitioner=practitioner, start=at(10, 30))
    AppointmentFactory(consultation_type=ctype, start=at(10))

    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=cancelled.pk).update(status=Status.CONFIRMED)

    assert Appointment.objects.exclude(status=Status.CANCELLED).count() == 3


# --- Every offered slot can be booked, and then is offered no more -------------------------


@settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    duration=st.sampled_from([30, 45, 60]),
    buffer_after=st.sampled_from([0, 15]),
    pick=st.floats(0, 1, exclude_max=True),
    day=st.sampled_from([date(2026, 3, 9), date(2026, 11, 2), DAY]),
)
def test_every_offered_slot_can_be_booked_and_then_disappears(duration, buffer_after, pick, day):
    with transaction.atomic():
        ctype = ConsultationTypeFactory(
            duration_minutes=duration,
            slot_granularity_minutes=15,
            buffer_after_minutes=buffer_after,
        )
        PractitionerFactory(consultation_types=[ctype])
        now = datetime(2026, 3, 1, tzinfo=UTC)
        for n in range(3):
            offered = available_slots(
                consultation_type=ctype, first_day=day, last_day=day, now=now
            ).get(day, [])
            if not offered:
                break
            slot = offered[int(pick * len(offered))]
            made = appointment_book(
                consultation_type=ctype,
                start=slot.start,
                contact=contact(f"p{n}@example.com"),
                now=now,
            )
            after = available_slots(consultation_type=ctype, first_day=day, last_day=day, now=now)
            assert made.start == slot.start
            assert all(
                s.end + timedelta(minutes=buffer_after) <= made.start
                or s.start >= made.occupied_end
                for s in after.get(day, [])
            )
        transaction.set_rollback(True)
