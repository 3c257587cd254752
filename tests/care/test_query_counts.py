"""Query counts pinned on every care list and chart page: the same for a clinic of 1 patient in
a plan and of 500 (and for a patient with 1 plan and with 3), and within a pinned maximum.

Each test builds the clinic once, counts every page for every role that sees it, grows the
clinic to 500 patients and counts again (one build of 500 per test keeps the suite quick)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking.backoffice.roles import CLINICIAN, MANAGER, RECEPTION
from care.links import plan_token
from care.models import CarePlan
from tests.care.clinic_data import first_start, grow, plans_for
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

EVERY_ROLE = (MANAGER, CLINICIAN, RECEPTION)
HEALTH_ROLES = (MANAGER, CLINICIAN)


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _counts(client, users, pages) -> dict[tuple[str, str], int]:
    counts = {}
    for name, (url, roles, _) in pages.items():
        for role in roles:
            client.force_login(users[role])
            client.get(url)  # warm the per-process caches (clinic profile, content types)
            counts[(name, role)] = _count(client, url)
    return counts


def _check_same_for_1_and_500(client, course, pages) -> None:
    users = {MANAGER: StaffUserFactory(role=MANAGER), RECEPTION: StaffUserFactory(role=RECEPTION)}
    users[CLINICIAN] = course["clinician"]
    one = _counts(client, users, pages)
    # The subject patient gets two more plans; the clinic grows to 500 patients in plans.
    subject = course["visit"].patient
    plans_for(course, [subject, subject], first_start=first_start(-10))
    grow(course, to=500)
    many = _counts(client, users, pages)
    assert many == one
    too_many = {key: count for key, count in many.items() if count > pages[key[0]][2]}
    assert not too_many, too_many


@pytest.fixture
def subject_plan(course) -> CarePlan:
    """The course's patient in one plan, in a clinic of one patient."""
    subject = course["visit"].patient
    plans_for(course, [subject], first_start=first_start(-3))
    return CarePlan.objects.get(patient=subject)


def test_the_clinician_chart_panels(client, course, subject_plan):
    visit, patient_id = course["visit"], course["visit"].patient_id
    _check_same_for_1_and_500(
        client,
        course,
        {
            "appointment page": (
                reverse("admin:booking_appointment_change", args=[visit.pk]),
                EVERY_ROLE,
                18,
            ),
            "patient page": (
                reverse("admin:booking_patient_change", args=[patient_id]),
                EVERY_ROLE,
                11,
            ),
            "patient record": (
                reverse("admin:booking_patient_record", args=[patient_id]),
                EVERY_ROLE,
                14,
            ),
            "admin index (alerts, plans to reschedule)": (reverse("admin:index"), EVERY_ROLE, 8),
            "day view (plans to reschedule)": (
                reverse("admin:booking_schedule_day"),
                EVERY_ROLE,
                13,
            ),
        },
    )


def test_the_clinic_view_and_the_care_admin_lists(client, course, subject_plan):
    def changelist(model: str) -> str:
        return reverse(f"admin:care_{model}_changelist")

    _check_same_for_1_and_500(
        client,
        course,
        {
            "clinic view": (reverse("admin:care_careplan_outcomes"), (MANAGER,), 8),
            "plans": (changelist("careplan"), EVERY_ROLE, 8),
            "a plan": (
                reverse("admin:care_careplan_change", args=[subject_plan.pk]),
                EVERY_ROLE,
                15,
            ),
            "answers": (changelist("response"), HEALTH_ROLES, 7),
            "safety alerts": (changelist("safetyalert"), HEALTH_ROLES, 7),
            "consents": (changelist("consentrecord"), HEALTH_ROLES, 7),
            "plans to reschedule": (changelist("reschedulealert"), EVERY_ROLE, 7),
            "instruments": (changelist("instrument"), (MANAGER,), 7),
            "outcome schedules": (changelist("outcomeschedule"), (MANAGER,), 7),
            "plan templates": (changelist("plantemplate"), (MANAGER,), 7),
            "consent texts": (changelist("consenttext"), (MANAGER,), 8),
        },
    )


def test_the_patients_plan_page(client, course, subject_plan):
    url = reverse("care:plan", args=[plan_token(subject_plan)])
    # 4 for the page, 1 for the patient's language (clinic/language.py).
    assert _count(client, url) == 5
    grow(course, to=500)
    assert _count(client, url) == 5
