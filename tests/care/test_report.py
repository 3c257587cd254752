"""The manager's clinic view: figures per treatment and time point, the JSON command, the
de-identified CSV, who may see them, and queries that do not grow with the patients."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from booking.backoffice.roles import CLINICIAN, EDITOR, MANAGER, RECEPTION
from booking.models import Patient
from care.models import CarePlan, Instrument, Response, TimePoint
from care.report import outcomes_report
from tests.care.factories import PlanTemplateFactory
from tests.factories import PractitionerFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

BORN = date(1930, 1, 1)  # over 89 at baseline: "90+"


def _cohort(scores: list[int | None], *, template=None, baseline: int = 8, born=BORN):
    """One plan per score: baseline pain `baseline`, day 42 due, answered `score` (None: not)."""
    template = template or PlanTemplateFactory(name="Knee PRP")
    clinician = PractitionerFactory()
    pain = Instrument.objects.get(slug="pain-now")
    now = timezone.now()
    patients = Patient.objects.bulk_create(
        Patient(full_name=f"Patient {i}", email=f"p{i}@example.org", date_of_birth=born)
        for i in range(len(scores))
    )
    plans = CarePlan.objects.bulk_create(
        CarePlan(patient=p, template=template, clinician=clinician, started_at=now)
        for p in patients
    )
    base = TimePoint.objects.bulk_create(
        TimePoint(plan=plan, days_after_procedure=0, due_at=now - timedelta(days=60))
        for plan in plans
    )
    follow = TimePoint.objects.bulk_create(
        TimePoint(plan=plan, days_after_procedure=42, due_at=now - timedelta(days=1))
        for plan in plans
    )
    responses = [
        Response(time_point=point, instrument=pain, score=baseline, submitted_at=point.due_at)
        for point in base
    ] + [
        Response(time_point=point, instrument=pain, score=score, submitted_at=now)
        for point, score in zip(follow, scores, strict=True)
        if score is not None
    ]
    Response.objects.bulk_create(responses)
    return template


def test_figures_per_treatment_and_time_point_count_missing_as_not_improved():
    _cohort([2, 5, 9, None])
    pain = Instrument.objects.get(slug="pain-now")
    [row] = outcomes_report(instrument=pain, now=timezone.now())
    assert (row.treatment, row.timepoint, row.due, row.answered) == ("Knee PRP", 42, 4, 3)
    assert row.median_change == 3.0
    assert (row.change_q1, row.change_q3) == (1.0, 4.5)
    assert row.improved == 2
    assert row.improved_pct_of_answered == 66.7
    assert row.improved_pct_of_due == 50.0
    assert row.response_rate == 75.0


def test_the_command_prints_a_json_list_with_the_agreed_keys():
    _cohort([2, None])
    out = io.StringIO()
    call_command("outcomes_report", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data == [
        {
            "treatment": "Knee PRP",
            "timepoint": 42,
            "due": 2,
            "answered": 1,
            "median_change": 6.0,
            "improved_pct_of_answered": 100.0,
            "improved_pct_of_due": 50.0,
        }
    ]


def test_the_deidentified_csv_has_study_ids_days_and_grouped_ages_only(client):
    _cohort([2, 5])
    client.force_login(StaffUserFactory(role=MANAGER))
    response = client.get(reverse("admin:care_careplan_outcomes_csv"))
    assert response.status_code == 200
    body = response.content.decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 2
    assert {r["age_at_baseline"] for r in rows} == {"90+"}
    assert {r["days_since_baseline"] for r in rows} == {"60"}
    assert len({r["study_id"] for r in rows}) == 2
    for secret in ("Patient 0", "example.org", str(timezone.now().year), "1930"):
        assert secret not in body
    ids = {p.pk for p in Patient.objects.all()}
    assert not {r["study_id"] for r in rows} & {str(i) for i in ids}
    # Drawn afresh each time: two exports cannot be joined on the id.
    again = list(
        csv.DictReader(io.StringIO(client.get(response.request["PATH_INFO"]).content.decode()))
    )
    assert not {r["study_id"] for r in rows} & {r["study_id"] for r in again}


def test_the_manager_sees_the_clinic_view_side_by_side(client):
    _cohort([2, 5, 9, None])
    client.force_login(StaffUserFactory(role=MANAGER))
    page = client.get(reverse("admin:care_careplan_outcomes"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "66.7 %" in text
    assert "50.0 %" in text
    assert "3 (75.0 %)" in text
    assert (
        client.get(reverse("admin:care_careplan_outcomes"), {"instrument": "x" * 300}).status_code
        == 200
    )


@pytest.mark.parametrize("role", [RECEPTION, CLINICIAN, EDITOR])
def test_no_one_but_the_manager_gets_the_clinic_view(client, role):
    _cohort([2])
    client.force_login(StaffUserFactory(role=role))
    assert client.get(reverse("admin:care_careplan_outcomes")).status_code == 403
    assert client.get(reverse("admin:care_careplan_outcomes_csv")).status_code == 403


@pytest.mark.parametrize("patients", [1, 500])
def test_queries_do_not_grow_with_patients(client, patients, django_assert_max_num_queries):
    _cohort([3] * patients)
    client.force_login(StaffUserFactory(role=MANAGER))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("admin:care_careplan_outcomes")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("admin:care_careplan_outcomes_csv")).status_code == 200


def test_a_worse_score_and_a_higher_baseline_are_reported_as_they_are():
    _cohort([10], baseline=Decimal(4))
    [row] = outcomes_report(instrument=Instrument.objects.get(slug="pain-now"), now=timezone.now())
    assert row.median_change == -6.0
    assert row.improved == 0
