"""care's demo data: plans, answers incl. non-responders and some worse; runs twice safely."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from care.models import CarePlan, Instrument, Response, SafetyAlert, TimePoint
from care.report import outcomes_report

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_plans_with_a_year_of_answers_and_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    assert CarePlan.objects.count() == 40
    answered = Response.objects.count()
    assert answered > 200
    assert TimePoint.objects.filter(days_after_procedure__gt=0, answered_at__isnull=True).exists()
    assert SafetyAlert.objects.exists()
    rows = outcomes_report(instrument=Instrument.objects.get(slug="pain-now"), now=timezone.now())
    assert any(row.answered < row.due for row in rows)
    call_command("seed_demo", stdout=io.StringIO())
    assert CarePlan.objects.count() == 40
    assert Response.objects.count() == answered
