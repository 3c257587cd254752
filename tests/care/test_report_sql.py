"""The clinic view's figures in SQL (care/report_sql.py) against the Python reference
(care/report.outcomes_report_python): the same rows, to the last digit, on a mixed data set.

Runs on whichever database the run uses: both CI runs (SQLite and PostgreSQL) check it."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking.models import Patient
from care.models import CarePlan, Instrument, Response, TimePoint
from care.report import outcomes_report, outcomes_report_python
from tests.care.factories import PlanTemplateFactory
from tests.factories import PractitionerFactory

pytestmark = pytest.mark.django_db

# Names whose order differs between Python and a database collation (case, accents).
TREATMENTS = ["Knee PRP", "hip steroid", "Épaule PRP", "Ankle BMAC"]
DAYS = [42, 91, 182]


def _instruments() -> list[Instrument]:
    custom = Instrument.objects.create(
        slug="custom-mean",
        name="Function (mean of items)",
        short_name="Function",
        scoring="mean",
        direction="higher",
        compared_to_baseline=True,
        improvement_points=Decimal("0.35"),
        improvement_percent=None,
        worse_points=Decimal("1"),
    )
    no_points = Instrument.objects.create(
        slug="no-points",
        name="Any gain",
        short_name="Any gain",
        direction="lower",
        compared_to_baseline=True,
        improvement_points=Decimal(0),
        improvement_percent=10,
        worse_points=Decimal("1"),
    )
    shipped = list(Instrument.objects.filter(slug__in=["pain-now", "sane", "pgic"]))
    return [*shipped, custom, no_points]


def _score(rng: random.Random, instrument: Instrument) -> Decimal:
    if instrument.slug == "sane":
        return Decimal(rng.randrange(0, 101, 10))
    if instrument.slug == "pgic":
        return Decimal(rng.randint(1, 7))
    # Two decimal places, as a mean of items gives: sums like 3.30 - 1.30 are where floats
    # miss a threshold (2.00) that Decimal meets.
    return Decimal(rng.choice(["0", "0.5", "1.3", "3.3", "2.35", "7.1", "8.05", "10"]))


def _mixed(seed: int, instruments: list[Instrument]) -> None:
    """Plans of four treatments; per follow-up and instrument: answered, not answered (a
    non-responder), or not due yet; some plans without a baseline, some with a zero one."""
    rng = random.Random(seed)  # noqa: S311 - test data
    now = timezone.now()
    clinician = PractitionerFactory()
    templates = [PlanTemplateFactory(name=name) for name in TREATMENTS]
    patients = Patient.objects.bulk_create(
        Patient(full_name=f"Mixed {seed}-{i}", email=f"m{seed}-{i}@example.org") for i in range(60)
    )
    plans = CarePlan.objects.bulk_create(
        CarePlan(patient=p, template=rng.choice(templates), clinician=clinician, started_at=now)
        for p in patients
    )
    points = TimePoint.objects.bulk_create(
        TimePoint(
            plan=plan,
            days_after_procedure=days,
            # A few follow-ups not due yet: counted nowhere.
            due_at=now - timedelta(days=300 - days) if rng.random() < 0.9 else now + timedelta(1),
        )
        for plan in plans
        for days in [0, *DAYS]
    )
    answers = []
    for point in points:
        for instrument in instruments:
            baseline = point.days_after_procedure == 0
            if baseline and not instrument.compared_to_baseline:
                continue  # the PGIC is never asked at baseline
            if rng.random() < (0.15 if baseline else 0.3):
                continue  # no baseline / a non-responder
            score = Decimal(0) if baseline and rng.random() < 0.05 else _score(rng, instrument)
            answers.append(
                Response(time_point=point, instrument=instrument, score=score, submitted_at=now)
            )
    Response.objects.bulk_create(answers)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_and_python_agree_on_every_instrument(seed):
    instruments = _instruments()
    _mixed(seed, instruments)
    now = timezone.now()
    for instrument in instruments:
        expected = outcomes_report_python(instrument=instrument, now=now)
        got = outcomes_report(instrument=instrument, now=now)
        assert got == expected, instrument.slug
        assert len(got) == len(TREATMENTS) * len(DAYS)
        # Non-responders are counted, not dropped.
        assert sum(r.due for r in got) > sum(r.answered for r in got)


def test_a_gain_exactly_on_the_threshold_counts_in_both():
    """3.30 -> 1.30 is exactly 2 points (and 61 % of the baseline): improved. In floats
    3.3 - 1.3 is 1.9999999999999998."""
    pain = Instrument.objects.get(slug="pain-now")
    pain.scoring = "mean"
    pain.save()
    _mixed(4, [])
    point = TimePoint.objects.filter(days_after_procedure=42).first()
    baseline = TimePoint.objects.get(plan=point.plan, days_after_procedure=0)
    now = timezone.now()
    TimePoint.objects.filter(pk=point.pk).update(due_at=now - timedelta(days=1))
    Response.objects.create(
        time_point=baseline, instrument=pain, score=Decimal("3.30"), submitted_at=now
    )
    Response.objects.create(
        time_point=point, instrument=pain, score=Decimal("1.30"), submitted_at=now
    )
    rows = outcomes_report(instrument=pain, now=now)
    assert rows == outcomes_report_python(instrument=pain, now=now)
    [row] = [r for r in rows if r.answered]
    assert (row.improved, row.median_change) == (1, 2.0)


def test_the_figures_take_one_query():
    instruments = _instruments()
    _mixed(5, instruments)
    with CaptureQueriesContext(connection) as queries:
        outcomes_report(instrument=instruments[0], now=timezone.now())
    assert len(queries) == 1
