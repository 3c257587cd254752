"""care's rows in the patient's export, anonymisation (every table) and the retention job."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.utils import timezone

from booking.patients.data_rights import (
    intakes_anonymise_expired,
    patient_anonymise,
    patient_export,
)
from booking.patients.identity import patient_merge, patient_merge_preview
from care.models import CarePlan, ConsentRecord, ConsentText, Response, SafetyAlert, TimePoint
from care.outcomes import time_point_answer, time_point_instruments
from care.plans import plan_start
from care.privacy import care_export
from tests.booking.patients.test_anonymise_every_table import SECRETS, _every_table_text
from tests.factories import AppointmentFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

NAME = "Philippa Wotherspoon"
EMAIL = "pippa.wotherspoon@example.org"
PHONE = "+447700900123"


def _user(*codenames):
    user = UserFactory()
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return type(user).objects.get(pk=user.pk)


def _answer_all(point, value, now):
    data = {}
    for instrument in time_point_instruments(point):
        for item in instrument.items.all():
            allowed = item.allowed_values()
            data[f"{instrument.pk}-{item.position}"] = value if value in allowed else allowed[0]
    return time_point_answer(point=point, answers=data, now=now)


@pytest.fixture
def answered_plan(course):
    patient = PatientFactory(full_name=NAME, email=EMAIL, phone=PHONE)
    visit = AppointmentFactory(
        patient=patient,
        consultation_type=course["consult"],
        practitioner=course["doctor"],
        start=timezone.now() - timedelta(days=60),
        contact_name=NAME,
        contact_email=EMAIL,
    )
    course["visit"].delete()
    plan = plan_start(appointment=visit, template=course["template"])
    baseline = plan.time_points.get()
    _answer_all(baseline, 2, timezone.now() - timedelta(days=50))
    follow = TimePoint.objects.create(plan=plan, days_after_procedure=42, due_at=timezone.now())
    _answer_all(follow, 9, timezone.now())
    text = ConsentText.objects.create(
        consultation_type=course["procedure"],
        version=1,
        title="PRP consent",
        body="Risks.",
        published_at=timezone.now(),
    )
    ConsentRecord.objects.create(
        plan=plan,
        text=text,
        action="signed",
        signed_name=NAME,
        signer_relationship=f"Daughter of {NAME}",
        date_of_birth_confirmed=True,
        recorded_at=timezone.now(),
    )
    CarePlan.objects.filter(pk=plan.pk).update(end_reason=f"{NAME} moved to {PHONE}")
    return plan


def test_the_export_holds_the_plans_answers_alerts_and_consents(answered_plan):
    data = patient_export(patient=answered_plan.patient, acting_user=_user("export_patient_data"))
    plans = data["care"]["plans"]
    assert len(plans) == 1
    points = plans[0]["time_points"]
    assert [p["days_after_procedure"] for p in points] == [0, 42]
    assert points[0]["answers"]
    assert all(a["answers"] for a in points[0]["answers"])
    assert plans[0]["safety_alerts"]
    assert plans[0]["consents"][0]["signed_name"] == NAME


def test_anonymise_removes_answers_and_signatures_and_leaves_no_copy_anywhere(answered_plan):
    patient = answered_plan.patient
    for obj in (answered_plan, ConsentRecord.objects.get()):
        LogEntry.objects.log_actions(
            user_id=UserFactory().pk, queryset=[obj], action_flag=CHANGE, change_message=NAME
        )
    before = _every_table_text()
    assert any(NAME in text for name, text in before.items() if name.startswith("care_"))

    patient_anonymise(patient=patient, acting_user=_user("anonymise_patient"))

    assert not Response.objects.exclude(answers={}).exists()
    assert not Response.objects.filter(anonymised_at__isnull=True).exists()
    assert Response.objects.count() > 0  # the scores stay for the clinic's figures
    answered_plan.refresh_from_db()
    assert answered_plan.status == CarePlan.Status.ENDED
    assert answered_plan.link_version == 1
    leaks = {
        table: [s for s in SECRETS if s.lower() in text.lower()]
        for table, text in _every_table_text().items()
    }
    assert {t: s for t, s in leaks.items() if s} == {}
    assert SafetyAlert.objects.exists()


def test_the_retention_job_blanks_old_answers_of_finished_plans_once(answered_plan):
    later = timezone.now() + timedelta(days=3650)
    assert intakes_anonymise_expired(now=later) >= 0
    # The plan is still active: its answers stay.
    assert not Response.objects.filter(answers={}).exists()
    CarePlan.objects.update(status=CarePlan.Status.COMPLETED)
    intakes_anonymise_expired(now=later)
    assert not Response.objects.exclude(answers={}).exists()
    assert Response.objects.filter(anonymised_at__isnull=False).count() == Response.objects.count()
    assert intakes_anonymise_expired(now=later + timedelta(hours=1)) == 0


def test_anonymising_another_patient_leaves_these_answers(answered_plan):
    other = PatientFactory()
    AppointmentFactory(patient=other, start=timezone.now() - timedelta(days=40))
    patient_anonymise(patient=other, acting_user=_user("anonymise_patient"))
    assert not Response.objects.filter(answers={}).exists()


def test_merging_two_records_of_one_person_moves_the_plans(answered_plan):
    duplicate = answered_plan.patient
    keep = PatientFactory(full_name=NAME, email=EMAIL)
    preview = patient_merge_preview(keep=keep, duplicate=duplicate)
    assert ("Care plans", 0, 1) in preview.moves
    assert CarePlan.objects.get().patient == duplicate  # a preview changes nothing

    patient_merge(keep=keep, duplicate=duplicate, acting_user=UserFactory())

    plan = CarePlan.objects.get()
    assert plan.patient == keep
    assert plan.time_points.filter(responses__isnull=False).distinct().count() == 2
    assert len(care_export(keep.pk)["plans"]) == 1
