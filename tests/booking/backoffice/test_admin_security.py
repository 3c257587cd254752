"""Admin security: login lockout, staff session expiry, CSP on the back office's own pages."""

import time

import pytest
from django.urls import reverse

from booking.backoffice.roles import RECEPTION
from clinic.middleware import SESSION_KEY
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "test-password-123"


@pytest.fixture
def reception():
    return StaffUserFactory(username="rosa", role=RECEPTION)


def _login(client, password: str):
    return client.post(
        reverse("admin:login"),
        {"username": "rosa", "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR="203.0.113.7",
    )


def test_sixth_wrong_password_locks_the_login_out(client, reception, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert _login(client, "wrong").status_code == 200  # the form again, with its error
    # The fifth failure reaches the limit: axes answers it with the lockout page already.
    assert _login(client, "wrong").status_code == 429
    assert _login(client, "wrong").status_code == 429  # the sixth is refused outright
    # Even the right password is refused during the cool-off.
    assert _login(client, PASSWORD).status_code == 429


def test_lockout_cool_off_is_fifteen_minutes(settings):
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60


def test_right_password_after_a_few_mistakes_signs_in(client, reception):
    for _ in range(3):
        _login(client, "wrong")
    assert _login(client, PASSWORD).status_code == 302


def _age_session(client, *, idle: float = 0, since_login: float = 0) -> None:
    session = client.session
    state = session[SESSION_KEY]
    now = time.time()
    session[SESSION_KEY] = {**state, "seen": now - idle, "login": now - since_login}
    session.save()


def test_staff_session_expires_after_thirty_minutes_idle(client, reception):
    client.force_login(reception)
    assert client.get(reverse("admin:index")).status_code == 200
    _age_session(client, idle=31 * 60, since_login=31 * 60)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_staff_session_survives_twenty_nine_minutes_idle(client, reception):
    client.force_login(reception)
    client.get(reverse("admin:index"))
    _age_session(client, idle=29 * 60, since_login=29 * 60)
    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_session_expires_after_eight_hours_even_when_active(client, reception):
    client.force_login(reception)
    client.get(reverse("admin:index"))
    _age_session(client, idle=60, since_login=8 * 3600 + 60)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_patient_session_is_not_touched_by_the_staff_expiry(client):
    session = client.session
    session["booking_draft"] = {"type": "follow-up"}
    session.save()
    client.get(reverse("home"))
    assert SESSION_KEY not in client.session
    assert client.session["booking_draft"] == {"type": "follow-up"}


@pytest.mark.parametrize(
    "name",
    [
        "admin:booking_schedule_day",
        "admin:booking_schedule_week",
        "admin:booking_schedule_print",
        "admin:booking_appointment_book",
        "admin:booking_appointment_changelist",
    ],
)
def test_back_office_pages_keep_the_strict_csp(client, reception, name):
    client.force_login(reception)
    response = client.get(reverse(name))
    policy = response.headers["Content-Security-Policy"]
    body = response.content.decode()
    assert "unsafe-inline" not in policy
    assert "<script>" not in body
    assert " onclick=" not in body
    assert "/static/css/admin-schedule.css" in body or name.endswith("changelist")


def test_admin_url_comes_from_settings(settings):
    assert reverse("admin:index") == f"/{settings.ADMIN_URL}"
