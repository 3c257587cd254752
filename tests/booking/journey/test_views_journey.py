"""The booking journey's pages, step by step, through Django's test client."""

from __future__ import annotations

import re
import secrets

import pytest
from django.urls import reverse

from booking.links.tokens import manage_token
from booking.models import Appointment, Intake, Patient
from tests.factories import (
    AppointmentFactory,
    ConsultationTypeFactory,
    PractitionerFactory,
    next_weekday_at,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limit")]


def slot_params(start, practitioner="any"):
    return {"start": start.isoformat(), "practitioner": str(practitioner)}


def details_data(start, practitioner="any", **overrides):
    data = {
        **slot_params(start, practitioner),
        "full_name": "Maria Lopez",
        "email": "maria@example.com",
        "phone": "(413) 555-0199",
        "date_of_birth": "1955-04-02",
        "joints": ["knee"],
        "note": "Worse on stairs",
        "reminders": "on",
        "privacy": "on",
        "website": "",
        "submission_key": "k" * 32,
    }
    data.update(overrides)
    return data


def test_start_lists_active_types_with_duration_and_mode(client, ctype):
    ConsultationTypeFactory(slug="old", name="Retired visit", active=False)
    response = client.get(reverse("booking:start"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Initial consultation" in body
    assert "30 minutes" in body
    assert "Retired visit" not in body
    assert "no-store" in response.headers["Cache-Control"]


def test_choose_time_shows_bookable_days_and_grouped_times(
    client, ctype, doctor, django_assert_max_num_queries
):
    start = next_weekday_at(9)
    url = reverse("booking:choose_time", args=[ctype.slug])
    with django_assert_max_num_queries(6):
        response = client.get(url, {"date": start.date().isoformat()})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Eastern Time" in body
    assert "Morning" in body
    assert "Afternoon" in body
    assert "9:00 AM" in body
    details_url = reverse("booking:details", args=[ctype.slug])
    assert f"{details_url}?start=" in body
    assert "no-store" in response.headers["Cache-Control"]


def test_choose_time_htmx_request_returns_only_the_picker(client, ctype, doctor):
    start = next_weekday_at(9)
    response = client.get(
        reverse("booking:choose_time", args=[ctype.slug]),
        {"date": start.date().isoformat()},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="picker"')
    assert "<html" not in body


def test_choose_time_query_count_does_not_grow_with_bookings(
    client, ctype, doctor, django_assert_max_num_queries
):
    for hour in (9, 10, 11, 14):
        AppointmentFactory(
            consultation_type=ctype, practitioner=doctor, start=next_weekday_at(hour)
        )
    other = PractitionerFactory(consultation_types=[ctype])
    AppointmentFactory(consultation_type=ctype, practitioner=other, start=next_weekday_at(9))
    with django_assert_max_num_queries(6):
        response = client.get(
            reverse("booking:choose_time", args=[ctype.slug]),
            {"date": next_weekday_at(9).date().isoformat()},
        )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"month": "2026-13"},
        {"month": "abc"},
        {"date": "2026-02-30"},
        {"date": "x" * 500},
        {"month": "2026-01\x00"},
    ],
)
def test_choose_time_malformed_parameters_get_400(client, ctype, doctor, params):
    response = client.get(reverse("booking:choose_time", args=[ctype.slug]), params)
    assert response.status_code == 400
    assert "Please try again" in response.content.decode()


def test_choose_time_unknown_practitioner_gets_404(client, ctype, doctor):
    stranger = PractitionerFactory()  # does not offer this consultation
    for value in (str(stranger.pk), "999999", "-1", "abc"):
        response = client.get(
            reverse("booking:choose_time", args=[ctype.slug]), {"practitioner": value}
        )
        assert response.status_code == 404, value


def test_choose_time_unknown_type_gets_404(client):
    response = client.get(reverse("booking:choose_time", args=["no-such-type"]))
    assert response.status_code == 404


def test_details_shows_form_slot_and_urgent_notice(client, ctype, doctor):
    start = next_weekday_at(10)
    response = client.get(reverse("booking:details", args=[ctype.slug]), slot_params(start))
    body = response.content.decode()
    assert response.status_code == 200
    assert "urgent care" in body
    assert 'name="reminders"' in body
    assert re.search(r'name="reminders"[^>]*checked', body)
    assert "Leave this field empty" in body
    assert 'name="submission_key"' in body
    assert "10:00 AM" in body


@pytest.mark.parametrize(
    "start_of",
    [
        lambda: next_weekday_at(10, weeks_ahead=-2),  # past
        lambda: next_weekday_at(10, 7),  # off the 30-minute grid
        lambda: next_weekday_at(20),  # outside working hours
        lambda: next_weekday_at(10, weekday=6),  # Sunday: no hours
    ],
    ids=["past", "off-grid", "outside-hours", "no-hours-day"],
)
def test_details_unbookable_slot_gets_400(client, ctype, doctor, start_of):
    response = client.get(
        reverse("booking:details", args=[ctype.slug]), slot_params(start_of(), doctor.pk)
    )
    assert response.status_code == 400
    assert "choose another time" in response.content.decode()


@pytest.mark.parametrize(
    "start", ["", "tomorrow", "2026-12-01T10:00:00", "2026-12-01T10:00:00+05:00\x00", "9" * 60]
)
def test_details_malformed_start_gets_400(client, ctype, doctor, start):
    response = client.get(
        reverse("booking:details", args=[ctype.slug]), {"start": start, "practitioner": "any"}
    )
    assert response.status_code == 400


def test_details_unknown_practitioner_gets_404(client, ctype, doctor):
    start = next_weekday_at(10)
    response = client.get(reverse("booking:details", args=[ctype.slug]), slot_params(start, 987654))
    assert response.status_code == 404


def test_details_post_valid_shows_review_with_everything_hidden(client, ctype, doctor):
    start = next_weekday_at(10)
    response = client.post(reverse("booking:details", args=[ctype.slug]), details_data(start))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Check and confirm" in body
    assert 'type="hidden" name="note" value="Worse on stairs"' in body
    assert 'type="hidden" name="joints" value="knee"' in body
    assert Appointment.objects.count() == 0
    assert not any("Worse on stairs" in str(v) for v in client.session.values())


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "Enter a valid email address."),
        ("phone", "12", "Enter a valid phone number"),
        ("phone", "", "This field is required."),
        ("full_name", "x" * 201, "at most 200 characters"),
        ("note", "x" * 1001, "at most 1000 characters"),
        ("full_name", "Maria\x00Lopez", "Null characters are not allowed."),
        ("note", "knee\x00", "Null characters are not allowed."),
        ("joints", [], "Choose at least one"),
        ("joints", ["elbow", "spleen"], "Select a valid choice"),
        ("privacy", "", "privacy notice"),
        ("date_of_birth", "2999-01-01", "be in the future"),
        ("date_of_birth", "31/31/1999", "Enter a valid date."),
    ],
)
def test_details_invalid_field_is_reported_and_input_kept(
    client, ctype, doctor, field, value, message
):
    start = next_weekday_at(10)
    data = details_data(start, **{field: value})
    response = client.post(reverse("booking:details", args=[ctype.slug]), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "error-summary" in body
    assert message in body
    assert "maria@example.com" in body or field == "email"
    assert Appointment.objects.count() == 0


def test_details_someone_else_needs_the_bookers_name(client, ctype, doctor):
    start = next_weekday_at(10)
    response = client.post(
        reverse("booking:details", args=[ctype.slug]),
        details_data(start, for_someone_else="on", booker_name=""),
    )
    assert "Please tell us your name" in response.content.decode()


def test_script_in_free_text_is_shown_escaped(client, ctype, doctor):
    start = next_weekday_at(10)
    evil = "<script>alert(1)</script>"
    response = client.post(
        reverse("booking:details", args=[ctype.slug]),
        details_data(start, note=evil, full_name=f"Eve {evil}"),
    )
    body = response.content.decode()
    assert evil not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_confirm_books_and_redirects_to_confirmation_by_token(client, ctype, doctor, settings):
    start = next_weekday_at(10)
    response = client.post(reverse("booking:confirm", args=[ctype.slug]), details_data(start))
    appointment = Appointment.objects.get()
    token = manage_token(appointment)
    assert response.status_code == 302
    assert response.url == reverse("booking:confirmation", args=[token])
    assert str(appointment.pk) not in response.url.replace(token, "")
    assert appointment.start == start
    assert appointment.privacy_notice_version == "2026-11"
    assert appointment.privacy_acknowledged_at is not None
    assert appointment.reminders_enabled is True
    assert str(appointment.contact_phone) == "+14135550199"
    assert appointment.intake.joints == ["knee"]
    assert appointment.intake.note == "Worse on stairs"
    assert "maria" not in str(dict(client.session)).lower()

    page = client.get(response.url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "You're booked" in body
    assert reverse("booking:calendar", args=[token]) in body
    assert reverse("booking:questionnaire", args=[token]) in body
    assert "no-store" in page.headers["Cache-Control"]


def test_confirm_stores_each_joint_once(client, ctype, doctor):
    start = next_weekday_at(10)
    data = details_data(start, joints=["knee", "hip", "knee"])
    client.post(reverse("booking:confirm", args=[ctype.slug]), data)
    assert Appointment.objects.get().intake.joints == ["knee", "hip"]


def test_confirm_reminders_off_and_someone_else_are_stored(client, ctype, doctor):
    start = next_weekday_at(10)
    data = details_data(start, for_someone_else="on", booker_name="Tom Lopez")
    del data["reminders"]
    client.post(reverse("booking:confirm", args=[ctype.slug]), data)
    appointment = Appointment.objects.get()
    assert appointment.reminders_enabled is False
    assert appointment.booked_for_someone_else is True
    assert appointment.booker_name == "Tom Lopez"


def test_confirm_twice_with_same_key_books_once(client, ctype, doctor):
    start = next_weekday_at(10)
    url = reverse("booking:confirm", args=[ctype.slug])
    first = client.post(url, details_data(start))
    second = client.post(url, details_data(start))
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert Appointment.objects.count() == 1


def test_confirm_reused_key_with_other_email_is_refused(client, ctype, doctor):
    start = next_weekday_at(10)
    url = reverse("booking:confirm", args=[ctype.slug])
    client.post(url, details_data(start))
    response = client.post(url, details_data(next_weekday_at(11), email="eve@example.com"))
    assert response.status_code == 200
    assert "This form has expired" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_confirm_slot_taken_offers_alternatives_and_keeps_input(client, ctype, doctor):
    start = next_weekday_at(10)
    AppointmentFactory(consultation_type=ctype, practitioner=doctor, start=start)
    response = client.post(
        reverse("booking:confirm", args=[ctype.slug]), details_data(start, doctor.pk)
    )
    body = response.content.decode()
    assert response.status_code == 409
    assert "just been taken" in body
    assert 'name="slot"' in body
    assert "9:30 AM" in body
    assert "10:30 AM" in body
    assert 'type="hidden" name="note" value="Worse on stairs"' in body
    assert 'type="hidden" name="email" value="maria@example.com"' in body
    assert Appointment.objects.count() == 1


def test_choosing_an_alternative_returns_to_review_with_new_time(client, ctype, doctor):
    start = next_weekday_at(10)
    other = next_weekday_at(10, 30)
    data = details_data(start, doctor.pk, slot=f"{other.isoformat()}|{doctor.pk}")
    response = client.post(reverse("booking:details", args=[ctype.slug]), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "10:30 AM" in body
    assert f'value="{other.isoformat()}"' in body


def test_confirm_honeypot_pretends_and_stores_nothing(client, ctype, doctor):
    start = next_weekday_at(10)
    response = client.post(
        reverse("booking:confirm", args=[ctype.slug]),
        details_data(start, website="http://spam.example"),
    )
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    assert Appointment.objects.count() == 0
    assert Patient.objects.count() == 0


def fresh_address() -> str:
    """A client address no earlier run has used: the cache (file or Redis) outlives a run."""
    return f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"


def test_confirm_rate_limited_per_client_gets_429(client, ctype, doctor, settings):
    settings.BOOKING_RATE_LIMIT = 2
    url = reverse("booking:confirm", args=[ctype.slug])
    addr = fresh_address()
    statuses = [client.post(url, {"x": "1"}, REMOTE_ADDR=addr).status_code for _ in range(3)]
    assert statuses[:2] != [429, 429]
    assert statuses[2] == 429
    other = client.post(url, {"x": "1"}, REMOTE_ADDR=fresh_address())
    assert other.status_code != 429
    assert "Too many attempts" in client.post(url, {}, REMOTE_ADDR=addr).content.decode()


def test_rate_limit_uses_trusted_proxy_header_when_configured(client, ctype, settings):
    settings.BOOKING_RATE_LIMIT = 1
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    url = reverse("booking:confirm", args=[ctype.slug])
    proxy, client_a, client_b = fresh_address(), fresh_address(), fresh_address()
    client.post(url, {}, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"6.6.6.6, {client_a}")
    blocked = client.post(url, {}, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=client_a)
    other = client.post(url, {}, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=client_b)
    assert blocked.status_code == 429
    assert other.status_code != 429


def test_confirm_get_is_not_allowed(client, ctype):
    assert client.get(reverse("booking:confirm", args=[ctype.slug])).status_code == 405


def test_confirm_inactive_type_gets_404_and_books_nothing(client, ctype, doctor):
    start = next_weekday_at(10)
    ctype.active = False
    ctype.save()
    response = client.post(reverse("booking:confirm", args=[ctype.slug]), details_data(start))
    assert response.status_code == 404
    assert Intake.objects.count() == 0


def test_slot_taken_alternatives_include_a_colleague(client, ctype, doctor):
    colleague = PractitionerFactory(display_name="Dr. Ben Okafor", consultation_types=[ctype])
    start = next_weekday_at(10)
    AppointmentFactory(consultation_type=ctype, practitioner=doctor, start=start)
    response = client.post(
        reverse("booking:confirm", args=[ctype.slug]), details_data(start, doctor.pk)
    )
    body = response.content.decode()
    assert f"{start.isoformat()}|{colleague.pk}" in body
    assert "with Dr. Ben Okafor" in body
    assert "with Dr. Ada Reyes" in body


@pytest.fixture
def busy_clinic(ctype, doctor):
    """Enough practitioners and bookings that an N+1 query would show."""
    others = [PractitionerFactory(consultation_types=[ctype]) for _ in range(3)]
    for i, practitioner in enumerate([doctor, *others]):
        for hour in (9, 11, 15):
            AppointmentFactory(
                consultation_type=ctype,
                practitioner=practitioner,
                start=next_weekday_at(hour + i % 2),
            )
    return others


@pytest.mark.parametrize(
    ("name", "method", "params_of", "max_queries"),
    [
        ("start", "get", lambda s: {}, 8),
        ("choose_time", "get", lambda s: {}, 6),
        ("choose_time", "get", lambda s: {"date": s.date().isoformat()}, 6),
        ("details", "get", lambda s: slot_params(s), 12),
        ("details", "post", lambda s: details_data(s), 12),
        ("confirm", "post", lambda s: details_data(s), 45),
    ],
)
def test_booking_pages_run_in_a_fixed_number_of_queries(
    client, ctype, busy_clinic, django_assert_max_num_queries, name, method, params_of, max_queries
):
    start = next_weekday_at(14)
    args = [] if name == "start" else [ctype.slug]
    with django_assert_max_num_queries(max_queries):
        response = getattr(client, method)(reverse(f"booking:{name}", args=args), params_of(start))
    assert response.status_code in (200, 302)


def test_change_time_from_review_offers_times_and_keeps_details(client, ctype, doctor):
    start = next_weekday_at(10)
    data = details_data(start, change_time="1")
    response = client.post(reverse("booking:details", args=[ctype.slug]), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Choose another time below" in body
    assert body.count('name="slot"') >= 6
    assert 'type="hidden" name="note" value="Worse on stairs"' in body
    assert Appointment.objects.count() == 0


def test_choose_time_without_any_free_time_says_so_in_bounded_queries(
    client, django_assert_max_num_queries
):
    ctype = ConsultationTypeFactory(slug="rare")
    PractitionerFactory(consultation_types=[ctype], weekly_hours=[])
    with django_assert_max_num_queries(6):
        response = client.get(reverse("booking:choose_time", args=[ctype.slug]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "no free times online" in body


def test_health_details_stay_out_of_logs_session_and_urls(client, ctype, doctor, caplog):
    start = next_weekday_at(10)
    secret = "Secret-knee-story-4711"
    caplog.set_level("DEBUG")
    details = client.post(
        reverse("booking:details", args=[ctype.slug]), details_data(start, note=secret)
    )
    confirm = client.post(
        reverse("booking:confirm", args=[ctype.slug]), details_data(start, note=secret)
    )
    assert details.status_code == 200
    assert confirm.status_code == 302
    assert secret not in confirm.url
    assert secret not in caplog.text
    assert secret not in str(dict(client.session))
    assert secret not in str(client.cookies)
    assert Intake.objects.get().note == secret
