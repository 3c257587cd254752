"""Reception books a phone appointment through the admin, in real Chromium."""

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.backoffice.roles import RECEPTION
from booking.models import Appointment
from tests.factories import ConsultationTypeFactory, PractitionerFactory, StaffUserFactory

# serialized_rollback: the flush after a live-server test would otherwise wipe the rows the
# migrations created (clinic profile, staff groups) for the tests that follow.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def browser_page(browser):
    """(page, console errors) in headless Chromium, at a desktop width."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield page, errors
    context.close()


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
    StaffUserFactory(username="rosa", role=RECEPTION)
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
    page.check("#book-form input[name=joints][value=knee]")
    page.fill("#book-form #id_pain_score", "6")
    page.check("#book-form #id_privacy_read_out")
    page.click("text=Book appointment")

    page.wait_for_selector(".messagelist .success")
    assert "Booked Follow-up visit for Maria Gomez" in page.inner_text(".messagelist")
    appointment = Appointment.objects.get()
    assert appointment.source == Appointment.Source.PHONE
    assert appointment.booked_by.username == "rosa"
    assert (appointment.intake.joints, appointment.intake.pain_score) == (["knee"], 6)
    assert appointment.privacy_acknowledged_by == appointment.booked_by
    assert timezone.localtime(appointment.start).time() == time(10)

    # The new visit shows in that day's schedule and in the week.
    page.goto(live_server.url + reverse("admin:booking_schedule_day") + f"?date={day}")
    assert "Maria Gomez" in page.inner_text(".schedule-grid")
    page.goto(live_server.url + reverse("admin:booking_schedule_week") + f"?date={day}")
    assert "Maria Gomez" in page.inner_text("#schedule-grid")  # the time-ruled week
    page.goto(live_server.url + reverse("admin:booking_appointment_changelist"))
    assert "Maria Gomez" in page.inner_text("#result_list")
    # The strict CSP held on every page: no inline script or style was refused.
    assert not [e for e in console_errors if "Content Security Policy" in e]
