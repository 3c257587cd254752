"""The patient stops (and restarts) questionnaires from their link; safety alerts reach the
treating clinician and the manager in the back office, and no one else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.backoffice.roles import CLINICIAN, EDITOR, MANAGER, RECEPTION
from care.links import plan_token
from care.messages import questionnaires_scan
from care.models import Response, SafetyAlert, TimePoint
from care.plans import plan_start
from tests.care.test_privacy import _answer_all
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


def test_the_patient_stops_and_restarts_questions_from_the_plan_page(client, course):
    plan = plan_start(appointment=course["visit"], template=course["template"])
    token = plan_token(plan)
    page = client.get(reverse("care:plan", args=[token]))
    link = reverse("care:questions_preference", args=[token])
    assert link.encode() in page.content
    assert client.get(link).status_code == 200
    response = client.post(link, {"choice": "stop"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.outcomes_opted_out_at is not None
    page = client.get(reverse("care:plan", args=[token]))
    assert not page.context["questionnaires"]  # the baseline is no longer offered
    client.post(link, {"choice": "restart"})
    plan.refresh_from_db()
    assert plan.outcomes_opted_out_at is None


def test_no_questionnaire_is_queued_after_opting_out(client, course):
    plan = plan_start(appointment=course["visit"], template=course["template"])
    client.post(reverse("care:questions_preference", args=[plan_token(plan)]), {"choice": "x"})
    plan.refresh_from_db()
    assert plan.outcomes_opted_out_at is not None
    assert questionnaires_scan(now=timezone.now() + timedelta(days=400)) == 0


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_bad_link_on_the_preference_page_is_a_404(client, method):
    url = reverse("care:questions_preference", args=["p.nonsense"])
    assert getattr(client, method)(url).status_code == 404


@pytest.fixture
def alert(course):
    plan = plan_start(appointment=course["visit"], template=course["template"])
    _answer_all(plan.time_points.get(), 2, timezone.now() - timedelta(days=50))
    follow = TimePoint.objects.create(plan=plan, days_after_procedure=42, due_at=timezone.now())
    _answer_all(follow, 9, timezone.now())
    return SafetyAlert.objects.order_by("pk").first()


def test_the_treating_clinician_sees_the_alert_and_marks_it_seen(client, course, alert):
    client.force_login(course["clinician"])
    index = client.get(reverse("admin:index"))
    assert b"care-alerts" in index.content
    page = client.get(reverse("admin:booking_appointment_change", args=[course["visit"].pk]))
    assert reverse("admin:care_safetyalert_seen", args=[alert.pk]).encode() in page.content
    response = client.post(
        reverse("admin:care_safetyalert_seen", args=[alert.pk]),
        HTTP_REFERER="https://evil.example/",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    alert.refresh_from_db()
    assert alert.seen_at is not None
    assert alert.seen_by == course["clinician"]


@pytest.mark.parametrize("role", [RECEPTION, EDITOR, CLINICIAN, MANAGER])
def test_only_the_treating_clinician_and_the_manager_see_alerts(client, alert, role):
    client.force_login(StaffUserFactory(role=role))  # a clinician, but not this plan's
    index = client.get(reverse("admin:index"))
    assert (b"care-alerts" in index.content) is (role == MANAGER)
    response = client.post(reverse("admin:care_safetyalert_seen", args=[alert.pk]))
    assert response.status_code == (302 if role == MANAGER else 403 if role != CLINICIAN else 404)
    alert.refresh_from_db()
    assert (alert.seen_at is not None) is (role == MANAGER)


@pytest.mark.parametrize("raw", ["x", "0", "9" * 40, "-1"])
def test_bad_alert_ids_are_404s(admin_client, raw):
    response = admin_client.post(reverse("admin:care_safetyalert_seen", args=[raw]))
    assert response.status_code == 404
    assert Response.objects.count() == 0


def test_the_alert_list_has_a_fixed_number_of_queries(
    client, course, alert, django_assert_max_num_queries
):
    client.force_login(course["clinician"])
    with django_assert_max_num_queries(20):
        client.get(reverse("admin:index"))


def test_the_treating_clinician_sees_the_scores_chart_on_both_pages(client, course, alert):
    client.force_login(course["clinician"])
    patient_id = course["visit"].patient_id
    for url in (
        reverse("admin:booking_appointment_change", args=[course["visit"].pk]),
        reverse("admin:booking_patient_change", args=[patient_id]),
        reverse("admin:booking_patient_record", args=[patient_id]),
    ):
        page = client.get(url).content.decode()
        assert 'id="care-outcomes"' in page, url
        assert "<title id=" in page
        assert "Meaningful improvement" in page
        assert '<th scope="row">Baseline</th>' in page


@pytest.mark.parametrize("role", [RECEPTION, EDITOR, CLINICIAN])
def test_no_one_else_sees_the_chart(client, course, alert, role):
    client.force_login(StaffUserFactory(role=role))
    for url in (
        reverse("admin:booking_appointment_change", args=[course["visit"].pk]),
        reverse("admin:booking_patient_change", args=[course["visit"].patient_id]),
        reverse("admin:booking_patient_record", args=[course["visit"].patient_id]),
    ):
        assert b"care-outcomes" not in client.get(url).content


def test_reception_sees_the_plans_on_the_patient_record_but_no_chart(client, course, alert):
    client.force_login(StaffUserFactory(role=RECEPTION))
    page = client.get(reverse("admin:booking_patient_record", args=[course["visit"].patient_id]))
    text = page.content.decode()
    assert 'id="section-care"' in text
    assert "Knee PRP" in text
    assert "care-outcomes" not in text
    assert "Baseline" not in text


def test_the_manager_sees_the_chart(client, course, alert):
    client.force_login(StaffUserFactory(role=MANAGER))
    url = reverse("admin:booking_patient_change", args=[course["visit"].patient_id])
    assert b"care-outcomes" in client.get(url).content
