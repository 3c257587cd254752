"""Reception books a phone appointment through the admin, in real Chromium."""

import importlib
from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking import roles
from booking.models import Appointment, ClinicProfile
from tests.factories import ConsultationTypeFactory, PractitionerFactory, StaffUserFactory

# serialized_rollback: the flush after a live-server test would otherwise wipe the rows the
# migrations created (clinic profile, staff groups) for the tests that follow.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module", autouse=True)
def _restore_migration_rows(django_db_setup, django_db_blocker):
    """Put back the rows data migrations create (clinic profile, staff groups).

    A live-server test ends with a flush of every table; with --reuse-db the emptied database
    would otherwise be what the next run's tests see.
    """
    yield
    with django_db_blocker.unblock():
        defaults = importlib.import_module("booking.migrations.0002_clinic_profile_defaults")
        ClinicProfile.objects.get_or_create(pk=1, defaults=defaults.DEFAULTS)
        roles.roles_sync()


@pytest.fixture
def browser_page(monkeypatch):
    """(page, console errors) in headless Chromium."""
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test
    # body are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        yield page, errors
        browser.close()


def _next_weekday(weekday: int):
    day = timezone.localdate() + timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def test_reception_books_a_phone_appointment_in_the_admin(live_server, browser_page):
    ctype = ConsultationTypeFactory(name="Follow-up visit", duration_minutes=30)
    PractitionerFactory(
        display_name="Dr. Patel",
        consultation_types=[ctype],
        weekly_hours=[(d, time(9), time(12)) for d in range(5)],
    )
    StaffUserFactory(username="rosa", role=roles.RECEPTION)
    day = _next_weekday(2)
    page, console_errors = browser_page

    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "rosa")
    page.fill("#id_password", "test-password-123")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))

    page.click("text=Book for a patient")
    page.select_option("#id_consultation_type", label="Follow-up visit")
    page.select_option("#id_practitioner", label="Dr. Patel, MD")
    page.fill("#id_day", day.isoformat())
    page.click("text=Show free times")

    page.check("#book-form input[name=start] >> nth=2")  # 10:00
    page.fill("#book-form #id_full_name", "Maria Gomez")
    page.fill("#book-form #id_email", "maria.gomez@example.com")
    page.fill("#book-form #id_phone", "+14135550101")
    page.click("text=Book appointment")

    page.wait_for_selector(".messagelist .success")
    assert "Booked Follow-up visit for Maria Gomez" in page.inner_text(".messagelist")
    appointment = Appointment.objects.get()
    assert appointment.source == Appointment.Source.PHONE
    assert appointment.booked_by.username == "rosa"
    assert timezone.localtime(appointment.start).time() == time(10)

    # The new visit shows in that day's schedule and in the week.
    page.goto(live_server.url + reverse("admin:booking_schedule_day") + f"?date={day}")
    assert "Maria Gomez" in page.inner_text(".schedule-grid")
    page.goto(live_server.url + reverse("admin:booking_schedule_week") + f"?date={day}")
    assert "Maria Gomez" in page.inner_text(".schedule-week")
    page.goto(live_server.url + reverse("admin:booking_appointment_changelist"))
    assert "Maria Gomez" in page.inner_text("#result_list")
    # The strict CSP held on every page: no inline script or style was refused.
    assert not [e for e in console_errors if "Content Security Policy" in e]
