"""After booking: the manage link, cancel, reschedule, questionnaire, calendar, lost link."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.links.tokens import manage_token
from booking.messaging.lost_links import manage_links_resend
from booking.models import Appointment, Intake, OutboundMessage
from booking.patients.intake import intake_update
from tests.factories import (
    AppointmentFactory,
    ArticleFactory,
    ConsultationTypeFactory,
    next_weekday_at,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limit")]


@pytest.fixture
def appointment(ctype, doctor):
    return AppointmentFactory(
        consultation_type=ctype,
        practitioner=doctor,
        start=next_weekday_at(10),
        contact_email="maria@example.com",
    )


def url(name, appointment_or_token, **query):
    token = (
        appointment_or_token
        if isinstance(appointment_or_token, str)
        else manage_token(appointment_or_token)
    )
    return reverse(f"booking:{name}", args=[token])


def test_manage_shows_appointment_and_actions(client, appointment, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get(url("manage", appointment))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Initial consultation" in body
    assert "10:00 AM" in body
    assert url("manage_cancel", appointment) in body
    assert url("manage_reschedule", appointment) in body
    assert "no-store" in response.headers["Cache-Control"]
    assert "knee" not in body.lower()  # health details stay off the manage page


def test_manage_video_visit_shows_the_video_link(client, doctor):
    video = ConsultationTypeFactory(slug="video", mode="video")
    doctor.consultation_types.add(video)
    appointment = AppointmentFactory(
        consultation_type=video, practitioner=doctor, start=next_weekday_at(10)
    )
    body = client.get(url("manage", appointment)).content.decode()
    assert "https://video.example/room" in body


@pytest.mark.parametrize("name", ["manage", "confirmation", "questionnaire", "calendar"])
def test_bad_tokens_get_one_generic_404(client, appointment, name):
    good = manage_token(appointment)
    tampered = good[:-1] + ("0" if good[-1] != "0" else "1")
    for token in (tampered, "0" * 64, "short", "x" * 300, str(appointment.pk)):
        response = client.get(url(name, token))
        assert response.status_code == 404
        body = response.content.decode()
        assert "find that page" in body
        assert "Initial consultation" not in body


def test_revoked_token_gets_404(client, appointment):
    old = manage_token(appointment)
    Appointment.objects.filter(pk=appointment.pk).update(manage_token_version=1)
    assert client.get(url("manage", old)).status_code == 404


def test_cancel_with_reason_after_confirm_step(client, appointment):
    page = client.get(url("manage_cancel", appointment))
    assert page.status_code == 200
    assert "Cancel your appointment?" in page.content.decode()
    response = client.post(url("manage_cancel", appointment), {"reason": "Feeling better"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancellation_reason == "Feeling better"
    body = client.get(response.url).content.decode()
    assert "has been cancelled" in body


def test_cancel_reason_too_long_is_a_form_error(client, appointment):
    response = client.post(url("manage_cancel", appointment), {"reason": "x" * 501})
    assert response.status_code == 200
    assert "at most 500 characters" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED


def test_after_cutoff_manage_shows_phone_and_refuses_changes(client, ctype, doctor):
    soon = timezone.now() + timedelta(hours=2)
    appointment = AppointmentFactory(consultation_type=ctype, practitioner=doctor, start=soon)
    body = client.get(url("manage", appointment)).content.decode()
    assert "too close to your visit" in body
    assert "(413)" in body or "tel:" in body
    assert url("manage_cancel", appointment) not in body
    response = client.post(url("manage_cancel", appointment), {"reason": ""})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    assert client.get(url("manage_reschedule", appointment)).status_code == 302


def test_reschedule_picker_and_move(client, appointment, django_assert_max_num_queries):
    new_start = next_weekday_at(14)
    # 7 for the picker, 1 for the patient's language (clinic/language.py).
    with django_assert_max_num_queries(8):
        page = client.get(
            url("manage_reschedule", appointment), {"date": new_start.date().isoformat()}
        )
    body = page.content.decode()
    assert page.status_code == 200
    assert "Choose a new time" in body
    assert "2:00 PM" in body
    confirm_url = url("manage_reschedule_confirm", appointment)
    params = {"start": new_start.isoformat(), "practitioner": str(appointment.practitioner_id)}
    review = client.get(confirm_url, params)
    assert review.status_code == 200
    assert "Move your appointment?" in review.content.decode()
    response = client.post(confirm_url, params)
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.start == new_start
    assert "has been moved" in client.get(response.url).content.decode()


@pytest.mark.parametrize(
    "start_of",
    [
        lambda: next_weekday_at(10, weeks_ahead=-2),
        lambda: next_weekday_at(14, 7),
        lambda: next_weekday_at(21),
    ],
    ids=["past", "off-grid", "outside-hours"],
)
def test_reschedule_to_unbookable_slot_gets_400(client, appointment, start_of):
    params = {"start": start_of().isoformat(), "practitioner": str(appointment.practitioner_id)}
    confirm_url = url("manage_reschedule_confirm", appointment)
    assert client.get(confirm_url, params).status_code == 400
    response = client.post(confirm_url, params)
    assert response.status_code == 302  # back to the picker with a message
    appointment.refresh_from_db()
    assert appointment.start == next_weekday_at(10)


def test_questionnaire_saves_answers_to_intake_only(client, appointment):
    response = client.post(
        url("questionnaire", appointment),
        {
            "pain_score": "7",
            "pain_duration": "months",
            "aggravating_factors": "Stairs",
            "previous_treatments": "Cortisone injection 2024",
            "current_medications": "Ibuprofen",
            "imaging": "X-ray last spring",
        },
    )
    assert response.status_code == 302
    intake = Intake.objects.get(appointment=appointment)
    assert intake.pain_score == 7
    assert intake.pain_duration == "months"
    assert intake.previous_treatments == "Cortisone injection 2024"
    assert intake.joints == ["knee"]  # the booking's answers are untouched
    assert intake.questionnaire_completed_at is not None
    assert "Ibuprofen" not in str(dict(client.session))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"pain_score": "11"}, "whole number from 0 to 10"),
        ({"pain_score": "-1"}, "whole number from 0 to 10"),
        ({"pain_score": "7.5"}, "whole number from 0 to 10"),
        ({"pain_score": "seven"}, "whole number from 0 to 10"),
        ({"pain_duration": "forever"}, "Select a valid choice"),
        ({"imaging": "x" * 1001}, "at most 1000 characters"),
        ({"current_medications": "a\x00b"}, "Null characters are not allowed."),
    ],
)
def test_questionnaire_bad_input_is_a_form_error(client, appointment, data, message):
    response = client.post(url("questionnaire", appointment), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "error-summary" in body
    assert message in body
    assert Intake.objects.get(appointment=appointment).questionnaire_completed_at is None


def test_questionnaire_shows_script_escaped_and_never_shows_earlier_answers(client, appointment):
    evil = "<script>alert(1)</script>"
    response = client.post(url("questionnaire", appointment), {"imaging": evil, "pain_score": "11"})
    body = response.content.decode()
    assert evil not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body  # kept, escaped, on the error page
    client.post(url("questionnaire", appointment), {"imaging": "MRI in May", "pain_score": "3"})
    body = client.get(url("questionnaire", appointment)).content.decode()
    assert "MRI in May" not in body
    assert "You sent your answers" in body


def test_questionnaire_closed_after_the_visit(client, ctype, doctor):
    past = AppointmentFactory(
        consultation_type=ctype, practitioner=doctor, start=timezone.now() - timedelta(days=1)
    )
    response = client.post(url("questionnaire", past), {"pain_score": "5"})
    assert response.status_code == 200
    assert "questionnaire is closed" in response.content.decode()
    assert Intake.objects.get(appointment=past).pain_score is None


def test_calendar_download_is_an_ics_attachment(client, appointment):
    response = client.get(url("calendar", appointment))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert "attachment" in response.headers["Content-Disposition"]
    assert b"BEGIN:VCALENDAR" in response.content


def test_confirmation_lists_live_articles_about_the_patients_joints(client, appointment):
    # The appointment's intake names the knee; education's template tag picks the reading.
    ArticleFactory(title="Knee pain explained", joints=["knee"])
    ArticleFactory(title="Shoulder pain explained", joints=["shoulder"])
    ArticleFactory(title="Knee pain drafted", joints=["knee"], draft=True)
    response = client.get(url("confirmation", appointment))
    body = response.content.decode()
    assert response.status_code == 200
    assert "booked" in body
    assert "Reading before your visit" in body
    assert "Knee pain explained" in body
    assert "Shoulder pain explained" not in body
    assert "Knee pain drafted" not in body


def test_confirmation_without_intake_lists_no_reading(client, appointment):
    ArticleFactory(title="Knee pain explained", joints=["knee"])
    Intake.objects.filter(appointment=appointment).delete()
    response = client.get(url("confirmation", appointment))
    assert response.status_code == 200
    assert "Reading before your visit" not in response.content.decode()


def test_lost_link_answers_the_same_for_known_and_unknown_emails(
    client, appointment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("booking:lost_link"), {"email": "MARIA@example.com"})
        unknown = client.post(reverse("booking:lost_link"), {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    sent = OutboundMessage.objects.filter(kind=OutboundMessage.Kind.MANAGE_LINK)
    assert list(sent.values_list("appointment_id", flat=True)) == [appointment.pk]


def test_lost_link_invalid_email_is_a_form_error(client):
    response = client.post(reverse("booking:lost_link"), {"email": "nope"})
    assert "Enter a valid email address." in response.content.decode()


def test_lost_link_is_rate_limited(client, settings):
    settings.LOST_LINK_RATE_LIMIT = 1
    lost = reverse("booking:lost_link")
    addr = f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"
    client.post(lost, {"email": "a@example.com"}, REMOTE_ADDR=addr)
    assert client.post(lost, {"email": "a@example.com"}, REMOTE_ADDR=addr).status_code == 429


def test_manage_links_resend_skips_past_and_cancelled_visits(ctype, doctor):
    past = AppointmentFactory(
        consultation_type=ctype,
        practitioner=doctor,
        start=timezone.now() - timedelta(days=2),
        contact_email="sam@example.com",
    )
    cancelled = AppointmentFactory(
        consultation_type=ctype,
        practitioner=doctor,
        start=next_weekday_at(11),
        contact_email="sam@example.com",
        status=Appointment.Status.CANCELLED,
    )
    manage_links_resend(email="sam@example.com")
    assert not OutboundMessage.objects.filter(appointment__in=[past, cancelled]).exists()


def test_intake_update_ignores_fields_outside_the_questionnaire(appointment):
    intake = intake_update(
        appointment=appointment, answers={"pain_score": 4, "joints": ["hip"], "note": "x"}
    )
    assert intake.pain_score == 4
    assert intake.joints == ["knee"]
    assert intake.note == ""


@pytest.mark.parametrize(
    ("name", "method", "data", "max_queries"),
    [
        ("confirmation", "get", {}, 6),
        ("manage", "get", {}, 6),
        ("manage_cancel", "get", {}, 7),
        ("questionnaire", "get", {}, 6),
        ("questionnaire", "post", {"pain_score": "4"}, 10),
        ("calendar", "get", {}, 3),
    ],
)
def test_manage_pages_run_in_a_fixed_number_of_queries(
    client, appointment, django_assert_max_num_queries, name, method, data, max_queries
):
    with django_assert_max_num_queries(max_queries):
        response = getattr(client, method)(url(name, appointment), data)
    assert response.status_code in (200, 302)
