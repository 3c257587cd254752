from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from booking.backoffice.roles import EDITOR, RECEPTION
from booking.models import Appointment
from booking.patients.identity import ContactDetails
from booking.scheduling.booking import appointment_book
from booking.scheduling.errors import PlanOnly
from care.links import plan_token
from care.models import CarePlan, TimePoint
from care.plans import plan_start, plan_steps, step_window, steps_out_of_window
from tests.factories import AppointmentFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def _start(client, course):
    client.force_login(course["clinician"])
    response = client.post(
        reverse("admin:care_careplan_start", args=[course["visit"].pk]),
        {"template": course["template"].pk},
    )
    assert response.status_code == 302
    return CarePlan.objects.get()


def test_a_clinician_starts_a_plan_from_the_appointment_page(client, course):
    client.force_login(course["clinician"])
    page = client.get(reverse("admin:booking_appointment_change", args=[course["visit"].pk]))
    assert b"Start the plan" in page.content
    plan = _start(client, course)
    assert plan.patient == course["visit"].patient
    assert plan.clinician == course["doctor"]
    steps = plan_steps(plan)
    assert [s.position for s in steps] == [1, 2, 3, 4]
    assert steps[0].appointment == course["visit"]
    # The baseline is due at once; follow-ups wait for the procedure to be booked.
    assert list(plan.time_points.values_list("days_after_procedure", flat=True)) == [0]


@pytest.mark.parametrize("role", [RECEPTION, EDITOR])
def test_only_clinicians_and_the_manager_start_plans(client, course, role):
    client.force_login(StaffUserFactory(role=role))
    response = client.post(
        reverse("admin:care_careplan_start", args=[course["visit"].pk]),
        {"template": course["template"].pk},
    )
    assert response.status_code == 403
    assert not CarePlan.objects.exists()


@pytest.mark.parametrize("raw", ["x", "99999", "", "1" * 40])
def test_start_with_a_bad_template_or_appointment_is_not_a_500(client, course, raw):
    client.force_login(course["clinician"])
    response = client.post(
        reverse("admin:care_careplan_start", args=[course["visit"].pk]), {"template": raw}
    )
    assert response.status_code == 302
    response = client.post(reverse("admin:care_careplan_start", args=[raw or "x"]), {})
    assert response.status_code == 404
    assert not CarePlan.objects.exists()


def test_the_patient_books_the_procedure_inside_its_window_through_the_private_link(client, course):
    plan = plan_start(appointment=course["visit"], template=course["template"])
    token = plan_token(plan)
    page = client.get(reverse("care:plan", args=[token]))
    assert page.status_code == 200
    assert b"PRP injection" in page.content
    steps = plan_steps(plan)
    window = step_window(steps[1], steps)
    consult_day = course["visit"].start.date()
    assert window.earliest == consult_day + timedelta(days=7)
    assert window.latest == consult_day + timedelta(days=21)
    times = page.context["days"]
    assert times
    assert all(window.contains(day) for day, _ in times)
    start = times[0][1][0]
    response = client.post(reverse("care:plan", args=[token]), {"start": start.isoformat()})
    assert response.status_code == 302
    booked = plan_steps(plan)[1].appointment
    assert booked.consultation_type == course["procedure"]
    assert booked.patient == plan.patient
    # The follow-up questionnaires now count from the procedure.
    points = TimePoint.objects.filter(plan=plan).order_by("days_after_procedure")
    assert [p.days_after_procedure for p in points] == [0, 42, 91, 182, 365]
    assert points[1].due_at == booked.start + timedelta(days=42)


def test_a_time_outside_the_window_or_a_public_booking_is_refused(client, course):
    plan = plan_start(appointment=course["visit"], template=course["template"])
    token = plan_token(plan)
    outside = course["visit"].start + timedelta(days=2)
    response = client.post(reverse("care:plan", args=[token]), {"start": outside.isoformat()})
    assert response.status_code == 302
    assert Appointment.objects.filter(consultation_type=course["procedure"]).count() == 0
    with pytest.raises(PlanOnly):
        appointment_book(
            consultation_type=course["procedure"],
            start=course["visit"].start + timedelta(days=8),
            contact=ContactDetails(full_name="A B", email="a@example.com"),
        )


@pytest.mark.parametrize(
    "start", ["", "yesterday", "2026-13-45T10:00", "2027-01-05T10:00", "9" * 90]
)
def test_hostile_times_on_the_plan_page_are_400s(client, course, start):
    plan = plan_start(appointment=course["visit"], template=course["template"])
    response = client.post(reverse("care:plan", args=[plan_token(plan)]), {"start": start})
    assert response.status_code == 400


@pytest.mark.parametrize("token", ["x", "p." + "0" * 64, "a." + "0" * 64])
def test_unknown_plan_links_are_404s(client, token):
    assert client.get(reverse("care:plan", args=[token])).status_code == 404


def test_moving_a_step_out_of_its_window_is_reported(course):
    plan = plan_start(appointment=course["visit"], template=course["template"])
    steps = plan_steps(plan)

    steps[1].appointment = AppointmentFactory(
        consultation_type=course["procedure"],
        practitioner=course["doctor"],
        patient=plan.patient,
        start=course["visit"].start + timedelta(days=35),
    )
    steps[1].save()
    assert [s.position for s in steps_out_of_window(plan_steps(plan))] == [2]
