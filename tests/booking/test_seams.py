"""The seams other apps plug into (issue 11): appointment events, ledger kinds for subjects other
than an appointment, and plan-only consultation types."""

from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from booking.events import AppointmentEvent, EventName, subscribe, unsubscribe
from booking.messaging.kinds import UnknownMessageKind, message_kind_get, message_kind_register
from booking.messaging.ledger import messages_deliver
from booking.models import OutboundMessage
from booking.patients.identity import ContactDetails
from booking.scheduling.booking import appointment_book
from booking.scheduling.changes import appointment_cancel, appointment_reschedule
from booking.scheduling.clock import clinic_zone
from booking.scheduling.errors import PlanOnly
from booking.scheduling.policies import (
    PlanBookingRequest,
    plan_booking_check_register,
    plan_booking_check_unregister,
)
from tests.factories import ConsultationTypeFactory, PatientFactory, PractitionerFactory


def _weekday_at(days_ahead: int, hour: int = 10) -> datetime:
    day = timezone.localdate() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=clinic_zone())


def _contact(name: str = "Pat Example") -> ContactDetails:
    return ContactDetails(full_name=name, email="pat@example.com", phone="+14135550100")


@pytest.fixture
def heard():
    """Every event a test receiver hears, in order; the receiver is removed afterwards."""
    events: list[AppointmentEvent] = []
    receiver = events.append
    for name in EventName:
        subscribe(name, receiver)
    yield events
    for name in EventName:
        unsubscribe(name, receiver)


@pytest.fixture
def ctype():
    return ConsultationTypeFactory(slug="seam-consult")


@pytest.fixture
def doctor(ctype):
    return PractitionerFactory(consultation_types=[ctype])


# --- Appointment events ---------------------------------------------------------------------
# These commit for real (events are heard after commit). serialized_rollback, like every other
# transactional test here: a plain flush re-creates content types and permissions but not the
# migrations' rows, and a serialized test that runs next in the same process then fails to load.


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_event_reaches_receiver_only_after_commit(heard, ctype, doctor):
    with transaction.atomic():
        appointment = appointment_book(
            consultation_type=ctype, start=_weekday_at(3), practitioner=doctor, contact=_contact()
        )
        assert heard == []  # still inside the transaction

    assert [e.name for e in heard] == [EventName.BOOKED]
    event = heard[0]
    assert (event.appointment_id, event.practitioner_id, event.start) == (
        appointment.pk,
        doctor.pk,
        appointment.start,
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_event_never_reaches_receiver_after_rollback(heard, ctype, doctor):
    class Abort(Exception):
        pass

    def book_then_fail():
        with transaction.atomic():
            appointment_book(
                consultation_type=ctype,
                start=_weekday_at(3),
                practitioner=doctor,
                contact=_contact(),
            )
            raise Abort

    with pytest.raises(Abort):
        book_then_fail()

    assert heard == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_move_and_cancel_announce_the_time_they_free(heard, ctype, doctor):
    first, second = _weekday_at(3, 10), _weekday_at(3, 11)
    appointment = appointment_book(
        consultation_type=ctype, start=first, practitioner=doctor, contact=_contact()
    )
    moved = appointment_reschedule(appointment=appointment, start=second, apply_patient_rules=False)
    appointment_cancel(appointment=moved, apply_patient_rules=False)

    names = [e.name for e in heard]
    assert names == [
        EventName.BOOKED,
        EventName.MOVED,
        EventName.TIME_FREED,
        EventName.CANCELLED,
        EventName.TIME_FREED,
    ]
    freed = [e for e in heard if e.name == EventName.TIME_FREED]
    assert [(e.practitioner_id, e.start) for e in freed] == [
        (doctor.pk, first),
        (doctor.pk, second),
    ]
    # Ids and times only: an event carries nothing a receiver could leak.
    assert all(not hasattr(e, "contact_name") for e in heard)
    assert all(not hasattr(e, "intake") for e in heard)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failing_receiver_neither_undoes_the_change_nor_silences_the_others(heard, ctype, doctor):
    def broken(event):
        raise RuntimeError("receiver bug")

    subscribe(EventName.BOOKED, broken)
    try:
        appointment = appointment_book(
            consultation_type=ctype, start=_weekday_at(3), practitioner=doctor, contact=_contact()
        )
    finally:
        unsubscribe(EventName.BOOKED, broken)

    assert appointment.pk is not None
    assert [e.name for e in heard] == [EventName.BOOKED]


# --- Ledger rows about something other than an appointment ---------------------------------

TEST_KIND = "seam_test_note"


@pytest.fixture
def patient_kind():
    """A kind whose subject is the patient alone, as another app would register one."""
    state = {"skip": "", "built": 0}

    def build(message, profile):
        state["built"] += 1
        return EmailMessage(
            subject="A note", body="Nothing private here.", to=[message.patient.email]
        )

    def skip_reason(message, profile, now):
        return state["skip"]

    message_kind_register(kind=TEST_KIND, build=build, skip_reason=skip_reason)
    return state


@pytest.mark.django_db
def test_non_appointment_row_is_claimed_and_sent_once(patient_kind, mailoutbox):
    patient = PatientFactory(email="someone@example.com")
    row = OutboundMessage.objects.create(
        patient=patient, kind=TEST_KIND, scheduled_for=timezone.now()
    )

    messages_deliver(message_ids=[row.pk])
    messages_deliver(message_ids=[row.pk])  # a redelivered task

    row.refresh_from_db()
    assert row.status == OutboundMessage.Status.SENT
    assert len(mailoutbox) == 1
    assert patient_kind["built"] == 1
    assert mailoutbox[0].to == ["someone@example.com"]


@pytest.mark.django_db
def test_non_appointment_row_is_rechecked_at_send_time(patient_kind, mailoutbox):
    patient = PatientFactory()
    row = OutboundMessage.objects.create(
        patient=patient, kind=TEST_KIND, scheduled_for=timezone.now()
    )
    patient_kind["skip"] = "The plan has ended."

    messages_deliver(message_ids=[row.pk])

    row.refresh_from_db()
    assert (row.status, row.last_error) == (OutboundMessage.Status.SKIPPED, "The plan has ended.")
    assert mailoutbox == []
    assert patient_kind["built"] == 0


@pytest.mark.django_db
def test_ledger_refuses_a_second_row_for_the_same_subject_kind_moment_and_channel(patient_kind):
    from django.db import IntegrityError

    patient = PatientFactory()
    moment = timezone.now()
    OutboundMessage.objects.create(patient=patient, kind=TEST_KIND, scheduled_for=moment)
    OutboundMessage.objects.create(
        patient=patient, kind=TEST_KIND, scheduled_for=moment, channel="sms"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboundMessage.objects.create(patient=patient, kind=TEST_KIND, scheduled_for=moment)


@pytest.mark.django_db
def test_unregistered_kind_fails_the_row_without_sending(mailoutbox):
    row = OutboundMessage.objects.create(
        patient=PatientFactory(), kind="nobody_registered_this", scheduled_for=timezone.now()
    )
    with pytest.raises(UnknownMessageKind):
        message_kind_get(kind="nobody_registered_this", channel="email")

    messages_deliver(message_ids=[row.pk])

    row.refresh_from_db()
    assert row.status == OutboundMessage.Status.FAILED
    assert mailoutbox == []
    assert len(mail.outbox) == 0


# --- Plan-only consultation types ------------------------------------------------------------


@pytest.fixture
def procedure(doctor):
    procedure = ConsultationTypeFactory(slug="knee-prp", name="Knee PRP", plan_only=True)
    doctor.consultation_types.add(procedure)
    return procedure


@pytest.mark.django_db
def test_plan_only_type_is_refused_on_every_public_page(client, procedure, doctor):
    start = _weekday_at(3).isoformat()
    for url in [
        reverse("booking:choose_time", args=[procedure.slug]),
        reverse("booking:details", args=[procedure.slug]) + f"?start={start}",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("booking:confirm", args=[procedure.slug])).status_code == 404
    api = client.get(reverse("booking:api_availability"), {"type": procedure.slug})
    assert api.status_code in (400, 404)
    start_page = client.get(reverse("booking:start")).content.decode()
    assert "Knee PRP" not in start_page
    assert "Knee PRP" not in client.get("/").content.decode()
    assert procedure.slug not in client.get("/sitemap.xml").content.decode()


@pytest.mark.django_db
def test_plan_only_type_is_refused_to_a_patient_without_an_allowing_check(procedure, doctor):
    with pytest.raises(PlanOnly):
        appointment_book(
            consultation_type=procedure,
            start=_weekday_at(3),
            practitioner=doctor,
            contact=_contact(),
        )


@pytest.mark.django_db
def test_plan_only_type_is_booked_when_a_registered_check_allows_it(procedure, doctor):
    patient = PatientFactory()
    seen: list[PlanBookingRequest] = []

    def inside_plan(request: PlanBookingRequest) -> bool:
        seen.append(request)
        return request.context.get("plan_step") == 7 and request.patient_id == patient.pk

    plan_booking_check_register(inside_plan)
    try:
        appointment = appointment_book(
            consultation_type=procedure,
            start=_weekday_at(3),
            practitioner=doctor,
            contact=_contact(),
            plan_request=PlanBookingRequest(
                consultation_type_id=procedure.pk,
                start=_weekday_at(3),
                patient_id=patient.pk,
                context={"plan_step": 7},
            ),
        )
        with pytest.raises(PlanOnly):
            appointment_book(
                consultation_type=procedure,
                start=_weekday_at(3, 14),
                practitioner=doctor,
                contact=_contact(),
                plan_request=PlanBookingRequest(
                    consultation_type_id=procedure.pk,
                    start=_weekday_at(3, 14),
                    patient_id=patient.pk,
                    context={"plan_step": 8},
                ),
            )
    finally:
        plan_booking_check_unregister(inside_plan)

    assert appointment.consultation_type == procedure
    assert len(seen) == 2


@pytest.mark.django_db
def test_staff_may_book_a_plan_only_type(procedure, doctor):
    appointment = appointment_book(
        consultation_type=procedure,
        start=_weekday_at(3),
        practitioner=doctor,
        contact=_contact(),
        apply_patient_rules=False,
        source="phone",
    )
    assert appointment.pk is not None
