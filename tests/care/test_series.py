"""Reception books every remaining step of a plan at once: each at the first free time with the
plan's clinician inside its window, all in one transaction or none; the page names the step
that could not be placed and why; a DST day is counted in real instants."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.backoffice.roles import CLINICIAN, EDITOR, MANAGER, RECEPTION
from booking.models import Appointment, OutboundMessage, TimeOff
from care.models import CarePlanStep, TimePoint
from care.plans import PlanError, plan_end, plan_start, plan_steps
from care.series import StepNotPlaced, plan_book_remaining
from tests.care.factories import PlanTemplateFactory, PlanTemplateStepFactory
from tests.factories import (
    AppointmentFactory,
    ConsultationTypeFactory,
    PractitionerFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


def _local(appointment: Appointment) -> datetime:
    return appointment.start.astimezone(NEW_YORK)


@pytest.fixture
def plan(course):
    return plan_start(appointment=course["visit"], template=course["template"])


def test_every_remaining_step_goes_to_the_first_free_time_inside_its_window(course, plan):
    reception = StaffUserFactory(role=RECEPTION)
    booked = plan_book_remaining(plan=plan, acting_user=reception)
    assert [b.step.position for b in booked] == [2, 3, 4]
    consult_day = _local(course["visit"]).date()  # a Tuesday
    procedure, first, second = (_local(b.appointment) for b in booked)
    # 7-21 days after the consult: the Tuesday a week later, at opening time.
    assert (procedure.date(), procedure.time()) == (consult_day + timedelta(7), time(9))
    # 12-16 days after the procedure: day 12 is a Sunday (no hours), so day 13, a Monday.
    assert (first.date(), first.time()) == (procedure.date() + timedelta(13), time(9))
    # 26-30 days after that Monday: days 26 and 27 are a weekend, so day 28.
    assert (second.date(), second.time()) == (first.date() + timedelta(28), time(9))
    for b in booked:
        assert b.appointment.practitioner == course["doctor"]
        assert b.appointment.patient == plan.patient
        assert b.appointment.source == Appointment.Source.ADMIN
        assert b.appointment.booked_by == reception
    steps = plan_steps(plan)
    assert [s.appointment_id for s in steps[1:]] == [b.appointment.pk for b in booked]
    # The procedure is booked: the follow-up questionnaires count from it.
    assert set(plan.time_points.values_list("days_after_procedure", flat=True)) == {
        0,
        42,
        91,
        182,
        365,
    }
    with pytest.raises(PlanError, match="already booked"):
        plan_book_remaining(plan=plan)


def test_one_step_that_cannot_be_placed_books_nothing(course, plan):
    consult_day = _local(course["visit"]).date()
    # The clinician is away for the whole window of the last follow-up (and after it).
    away_from = datetime.combine(consult_day + timedelta(7 + 13 + 20), time(0), tzinfo=NEW_YORK)
    TimeOff.objects.create(
        practitioner=course["doctor"], start=away_from, end=away_from + timedelta(days=20)
    )
    visits, messages = Appointment.objects.count(), OutboundMessage.objects.count()
    with pytest.raises(StepNotPlaced) as caught:
        plan_book_remaining(plan=plan)
    assert caught.value.step.position == 4
    assert "Dr. Ada Reyes has no free time for Follow-up" in caught.value.reason
    assert "Nothing was booked: step 4 (Follow-up)" in caught.value.message
    assert Appointment.objects.count() == visits
    assert OutboundMessage.objects.count() == messages
    assert not CarePlanStep.objects.filter(plan=plan, position__gt=1, appointment__isnull=False)
    assert list(TimePoint.objects.filter(plan=plan).values_list("days_after_procedure", flat=True))
    assert not TimePoint.objects.filter(plan=plan, days_after_procedure__gt=0).exists()


def test_a_first_step_whose_visit_was_cancelled_is_booked_first(course, plan):
    Appointment.objects.filter(pk=course["visit"].pk).update(status=Appointment.Status.CANCELLED)
    now = timezone.now()
    booked = plan_book_remaining(plan=plan, now=now)
    assert [b.step.position for b in booked] == [1, 2, 3, 4]
    first, procedure = booked[0].appointment, booked[1].appointment
    assert first.start > now
    assert first.consultation_type == course["consult"]
    assert _local(first).weekday() < 5
    gap = (_local(procedure).date() - _local(first).date()).days
    assert 7 <= gap <= 21


def test_a_type_the_clinician_does_not_offer_is_named(course, plan):
    course["doctor"].consultation_types.remove(course["follow_up"])
    with pytest.raises(StepNotPlaced, match="does not offer Follow-up") as caught:
        plan_book_remaining(plan=plan)
    assert caught.value.step.position == 3
    assert Appointment.objects.count() == 1


def test_an_ended_plan_books_nothing(course, plan):
    plan_end(plan=plan, reason="Moved away")
    with pytest.raises(PlanError, match="ended"):
        plan_book_remaining(plan=plan)


def test_on_the_spring_forward_day_the_first_free_time_is_a_real_instant():
    """2027-03-14 in New York: 02:00-03:00 does not exist. The clinician works Sundays
    01:00-04:00 (two real hours); 01:00 and 01:30 EST are taken, so the one-hour procedure
    goes at 03:00 EDT (07:00 UTC), right after them; its follow-up a week later, local days."""
    consult = ConsultationTypeFactory(name="Consultation", slug="consult")
    procedure = ConsultationTypeFactory(
        name="PRP injection", slug="prp", plan_only=True, duration_minutes=60
    )
    follow_up = ConsultationTypeFactory(name="Follow-up", slug="follow-up", plan_only=True)
    doctor = PractitionerFactory(
        consultation_types=[consult, procedure, follow_up],
        weekly_hours=[(6, time(1), time(4))],
    )
    template = PlanTemplateFactory(name="Sunday PRP")
    for position, (kind, days) in enumerate([(consult, 0), (procedure, 7), (follow_up, 7)], 1):
        PlanTemplateStepFactory(
            template=template,
            position=position,
            consultation_type=kind,
            earliest_days_after_previous=days,
            latest_days_after_previous=days,
            is_procedure=kind == procedure,
        )
    visit = AppointmentFactory(
        consultation_type=consult,
        practitioner=doctor,
        start=datetime(2027, 3, 7, 1, tzinfo=NEW_YORK),
    )
    for start in (datetime(2027, 3, 14, 6, tzinfo=UTC), datetime(2027, 3, 14, 6, 30, tzinfo=UTC)):
        AppointmentFactory(consultation_type=consult, practitioner=doctor, start=start)
    plan = plan_start(appointment=visit, template=template)
    booked = plan_book_remaining(plan=plan, now=datetime(2027, 3, 1, tzinfo=UTC))
    procedure_visit, follow_visit = (b.appointment for b in booked)
    assert procedure_visit.start == datetime(2027, 3, 14, 7, tzinfo=UTC)
    assert _local(procedure_visit).strftime("%H:%M %Z") == "03:00 EDT"
    assert procedure_visit.end == datetime(2027, 3, 14, 8, tzinfo=UTC)
    assert follow_visit.start == datetime(2027, 3, 21, 5, tzinfo=UTC)  # 01:00 EDT
    assert _local(follow_visit).strftime("%d %H:%M %Z") == "21 01:00 EDT"


# --- The page ------------------------------------------------------------------------------


def _url(plan) -> str:
    return reverse("admin:care_careplan_book_remaining", args=[plan.pk])


@pytest.mark.parametrize("role", [RECEPTION, MANAGER])
def test_reception_and_the_manager_book_the_series_from_the_plan_page(client, plan, role):
    client.force_login(StaffUserFactory(role=role))
    plan_page = client.get(reverse("admin:care_careplan_change", args=[plan.pk]))
    assert _url(plan).encode() in plan_page.content
    page = client.get(_url(plan))
    assert page.status_code == 200
    assert b"Book all remaining steps (3)" in page.content
    response = client.post(_url(plan), {"confirm": "True"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:care_careplan_change", args=[plan.pk])
    assert "Booked 3 visit(s) with Dr. Ada Reyes" in response.content.decode()
    assert CarePlanStep.objects.filter(plan=plan, appointment__isnull=False).count() == 4


def test_the_page_names_the_step_and_why_and_nothing_is_booked(client, course, plan):
    course["doctor"].consultation_types.remove(course["follow_up"])
    client.force_login(StaffUserFactory(role=RECEPTION))
    response = client.post(_url(plan), {"confirm": "True"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Nothing was booked." in text
    assert "Step 3 (Follow-up) cannot be placed: Dr. Ada Reyes does not offer Follow-up." in text
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize("role", [CLINICIAN, EDITOR])
def test_clinicians_and_editors_may_not(client, plan, role):
    client.force_login(StaffUserFactory(role=role))
    assert client.get(_url(plan)).status_code == 403
    assert client.post(_url(plan), {"confirm": "True"}).status_code == 403
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize("raw", ["x", "0", "9" * 40, "-1"])
def test_a_bad_plan_id_is_a_404(client, raw):
    client.force_login(StaffUserFactory(role=RECEPTION))
    assert client.get(reverse("admin:care_careplan_book_remaining", args=[raw])).status_code == 404


def test_a_post_without_the_confirmation_books_nothing(client, plan):
    client.force_login(StaffUserFactory(role=RECEPTION))
    assert client.post(_url(plan), {}).status_code == 200
    assert Appointment.objects.count() == 1
