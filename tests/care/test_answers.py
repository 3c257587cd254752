from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from care.links import plan_token
from care.models import Instrument, Response, SafetyAlert, TimePoint
from care.plans import plan_start

pytestmark = pytest.mark.django_db


def _answers(point, value_for):
    data = {}
    from care.outcomes import time_point_instruments

    for instrument in time_point_instruments(point):
        for item in instrument.items.all():
            data[f"{instrument.pk}-{item.position}"] = value_for(instrument)
    return data


def test_baseline_then_a_worse_follow_up_alerts_the_clinician(client, course):
    plan = plan_start(appointment=course["visit"], template=course["template"])
    token = plan_token(plan)
    baseline = plan.time_points.get()
    page = client.get(reverse("care:answer", args=[token, baseline.pk]))
    assert page.status_code == 200
    assert b"911" in page.content
    slugs = {q["name"] for q in page.context["questions"]}
    assert "Patient Global Impression of Change" not in slugs  # never at baseline
    response = client.post(
        reverse("care:answer", args=[token, baseline.pk]),
        _answers(baseline, lambda i: 50 if i.slug == "sane" else 5),
    )
    assert response.status_code == 302
    assert Response.objects.filter(time_point=baseline).count() == 4
    # Answered once: the page is closed now.
    again = client.get(reverse("care:answer", args=[token, baseline.pk]))
    assert again.status_code == 404

    follow = TimePoint.objects.create(
        plan=plan, days_after_procedure=42, due_at=timezone.now() - timedelta(hours=1)
    )
    response = client.post(
        reverse("care:answer", args=[token, follow.pk]),
        _answers(follow, lambda i: {"sane": 20, "pgic": 6}.get(i.slug, 8)),
    )
    assert response.status_code == 302
    alerted = set(SafetyAlert.objects.values_list("response__instrument__slug", flat=True))
    assert alerted == {"pain-now", "pain-average-week", "pain-worst-week", "sane", "pgic"}


@pytest.mark.parametrize("value", ["", "11", "-1", "x", "5.5", "9" * 30])
def test_every_bad_answer_is_a_form_error_not_a_500(client, course, value):
    plan = plan_start(appointment=course["visit"], template=course["template"])
    point = plan.time_points.get()
    data = _answers(point, lambda i: 5)
    pain = Instrument.objects.get(slug="pain-now")
    data[f"{pain.pk}-1"] = value
    response = client.post(reverse("care:answer", args=[plan_token(plan), point.pk]), data)
    assert response.status_code == 400
    assert b"Choose an answer" in response.content
    assert not Response.objects.exists()


def test_no_questions_once_the_plan_ended_or_before_they_are_due(client, course):
    plan = plan_start(appointment=course["visit"], template=course["template"])
    future = TimePoint.objects.create(
        plan=plan, days_after_procedure=42, due_at=timezone.now() + timedelta(days=3)
    )
    token = plan_token(plan)
    assert client.get(reverse("care:answer", args=[token, future.pk])).status_code == 404
    plan.status = plan.Status.ENDED
    plan.ended_at = timezone.now()
    plan.save()
    baseline = plan.time_points.get(days_after_procedure=0)
    assert client.get(reverse("care:answer", args=[token, baseline.pk])).status_code == 404
