"""The booking journey in real Chromium, at a phone's width: as a new patient would use it.

Every page is checked with axe-core and for horizontal scrolling at 375 px, and photographed
into test-artifacts/.
"""

from __future__ import annotations

import re
from datetime import time

import pytest
from playwright.sync_api import expect

from booking.links.tokens import manage_token
from booking.models import Appointment, ClinicProfile, Intake
from tests.factories import (
    AppointmentFactory,
    ConsultationTypeFactory,
    PractitionerFactory,
    next_weekday_at,
)

# serialized_rollback: the flush after each live-server test would otherwise wipe the rows the
# migrations created (the clinic profile) for every test that runs after these.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]


@pytest.fixture(autouse=True)
def _generous_rate_limit(settings):
    settings.BOOKING_RATE_LIMIT = 1000
    settings.LOST_LINK_RATE_LIMIT = 1000


@pytest.fixture
def clinic_data():
    ClinicProfile.objects.update_or_create(
        pk=1,
        defaults={
            "name": "Riverside Joint & Pain Clinic",
            "address": "12 River Street\nSpringfield, MA 01103",
            "phone": "(413) 555-0100",
            "email": "hello@riverside.example",
            "opening_hours": "Monday to Friday, 8 am to 6 pm",
            "what_to_bring": "A photo ID, your insurance card and a list of your medications.",
        },
    )
    ctype = ConsultationTypeFactory(
        slug="initial",
        name="Initial consultation",
        description="A first visit for joint pain.",
        min_notice_minutes=24 * 60,
    )
    ada = PractitionerFactory(
        display_name="Dr. Ada Reyes",
        bio="Sports and joint medicine.",
        consultation_types=[ctype],
        weekly_hours=[(d, time(9), time(12)) for d in range(5)]
        + [(d, time(13), time(18)) for d in range(5)],
    )
    ben = PractitionerFactory(display_name="Dr. Ben Okafor", consultation_types=[ctype])
    return {"ctype": ctype, "ada": ada, "ben": ben}


def check_page(page, axe_clean, snap, name: str) -> None:
    axe_clean(page)
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, f"{name}: the page scrolls sideways at {page.viewport_size['width']} px"
    snap(page, name)


def fill_details(page, *, note: str = "Worse on stairs") -> None:
    page.locator("#id_full_name").fill("Maria Lopez")
    page.locator("#id_email").fill("maria@example.com")
    page.locator("#id_phone").fill("(413) 555-0199")
    page.locator("#id_joints_0").check()
    page.locator("#id_note").fill(note)
    page.locator("#id_privacy").check()


def test_new_patient_books_from_the_home_page(page, live_server, snap, axe_clean, clinic_data):
    page.goto(live_server.url + "/")
    check_page(page, axe_clean, snap, "home")
    page.locator("main").get_by_role("link", name="Book a consultation").first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("What would you like to book?")
    check_page(page, axe_clean, snap, "step1-types")
    page.get_by_role("link", name="Choose a time for Initial consultation").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a time")
    expect(page.locator("#times-heading")).to_contain_text("Eastern Time")
    check_page(page, axe_clean, snap, "step2-time")
    # htmx: another day's times replace the list in place, the URL follows, focus moves.
    other_days = page.locator("a.day-open:not(.day-selected)")
    if other_days.count() == 0:  # late in a month, its last bookable day may be the only one
        page.get_by_role("link", name=re.compile("Next month")).click()
        expect(page.locator("a.day-open").first).to_be_visible()
    other_days.first.click()
    expect(page).to_have_url(re.compile(r"date=\d{4}-\d{2}-\d{2}"))
    expect(page.locator("#times-heading")).to_be_focused()
    # Filter by practitioner: the times follow.
    page.get_by_label(re.compile("Dr. Ada Reyes")).check()
    expect(page).to_have_url(re.compile(r"practitioner=\d+"))
    snap(page, "step2-practitioner")
    page.locator(".time-choice").first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    expect(page.get_by_text("urgent care", exact=False).first).to_be_visible()
    expect(page.get_by_label("Send me email reminders before the visit")).to_be_checked()
    check_page(page, axe_clean, snap, "step3-details")
    # A first try with gaps: errors summarised at the top, linked to their fields.
    page.locator("#id_email").fill("maria@")
    page.get_by_role("button", name="Continue to review").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter a valid email address.")
    check_page(page, axe_clean, snap, "step3-errors")
    fill_details(page)
    page.get_by_role("button", name="Continue to review").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check and confirm")
    expect(page.get_by_text("Worse on stairs")).to_be_visible()
    check_page(page, axe_clean, snap, "step4-review")
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")
    check_page(page, axe_clean, snap, "confirmation")
    appointment = Appointment.objects.get()
    assert appointment.practitioner == clinic_data["ada"]
    assert appointment.intake.joints == ["knee"]
    assert page.url.endswith(f"/book/manage/{manage_token(appointment)}/booked/")
    assert (
        page.get_by_role("link", name="Add to calendar (.ics)")
        .get_attribute("href")
        .endswith("calendar.ics")
    )


def test_questionnaire_reschedule_and_cancel_through_the_private_link(
    page, live_server, snap, axe_clean, clinic_data
):
    appointment = AppointmentFactory(
        consultation_type=clinic_data["ctype"],
        practitioner=clinic_data["ada"],
        start=next_weekday_at(10),
    )
    page.goto(live_server.url + f"/book/manage/{manage_token(appointment)}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appointment")
    check_page(page, axe_clean, snap, "manage")

    page.get_by_role("link", name="Pre-visit questionnaire").click()
    check_page(page, axe_clean, snap, "questionnaire")
    pain = page.locator("#id_pain_score")
    pain.fill("11")
    page.locator("#id_current_medications").fill("Ibuprofen 400 mg")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator(".error-summary")).to_contain_text("whole number from 0 to 10")
    expect(page.locator("#id_current_medications")).to_have_value("Ibuprofen 400 mg")
    check_page(page, axe_clean, snap, "questionnaire-error")
    page.locator("#id_pain_score").fill("6")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("status").first).to_contain_text("Thank you")
    intake = Intake.objects.get(appointment=appointment)
    assert intake.pain_score == 6
    assert intake.current_medications == "Ibuprofen 400 mg"

    page.get_by_role("link", name="Change the time").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Choose a new time")
    check_page(page, axe_clean, snap, "reschedule-picker")
    # Any offered time: the visit itself (a week ahead) is never the first bookable day's.
    page.locator(".time-choice").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move your appointment?")
    check_page(page, axe_clean, snap, "reschedule-confirm")
    page.get_by_role("button", name="Yes, move it").click()
    expect(page.get_by_role("status").first).to_contain_text("has been moved")
    appointment.refresh_from_db()
    assert appointment.start != next_weekday_at(10)

    page.get_by_role("link", name="Cancel the appointment").click()
    check_page(page, axe_clean, snap, "cancel-confirm")
    page.locator("#id_reason").fill("Feeling better")
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.get_by_role("status").first).to_contain_text("has been cancelled")
    check_page(page, axe_clean, snap, "cancelled")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancellation_reason == "Feeling better"


def test_slot_taken_while_confirming_offers_alternatives_and_keeps_details(
    page, live_server, snap, axe_clean, clinic_data
):
    ada = clinic_data["ada"]
    start = next_weekday_at(10)
    page.goto(
        live_server.url
        + f"/book/initial/details/?start={start.isoformat().replace('+', '%2B')}"
        + f"&practitioner={ada.pk}"
    )
    fill_details(page, note="Clicks when I kneel")
    page.get_by_role("button", name="Continue to review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check and confirm")
    # Someone else takes the time while the patient reads the review page.
    AppointmentFactory(consultation_type=clinic_data["ctype"], practitioner=ada, start=start)
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Please choose another time")
    expect(page.locator(".error-summary")).to_contain_text("just been taken")
    expect(page.get_by_text("Clicks when I kneel")).to_be_visible()
    check_page(page, axe_clean, snap, "slot-taken")
    page.locator(".alternatives button").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check and confirm")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")
    booked = Appointment.objects.exclude(contact_email="").get(contact_email="maria@example.com")
    assert booked.start != start
    assert booked.intake.note == "Clicks when I kneel"


def tab_to(page, selector: str, *, limit: int = 120) -> None:
    """Press Tab until the focused element matches `selector` (keyboard only, no clicks)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector} on {page.url}")


def test_whole_booking_with_the_keyboard_only(page, live_server, snap, clinic_data):
    page.goto(live_server.url + "/book/")
    tab_to(page, 'a[href="/book/initial/"]')
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a time")
    tab_to(page, "a.time-choice")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    for selector, text in [
        ("#id_full_name", "Sam Carter"),
        ("#id_email", "sam@example.com"),
        ("#id_phone", "413 555 0142"),
    ]:
        tab_to(page, selector)
        page.keyboard.type(text)
    tab_to(page, 'input[name="joints"][value="hip"]')
    page.keyboard.press("Space")
    tab_to(page, "#id_privacy")
    page.keyboard.press("Space")
    tab_to(page, 'button[type="submit"]')
    snap(page, "keyboard-details")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check and confirm")
    tab_to(page, "button[data-submit-once]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")
    snap(page, "keyboard-confirmation")
    assert Appointment.objects.get().intake.joints == ["hip"]


def test_booking_works_with_javascript_off(browser, live_server, snap, clinic_data):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 640, "height": 900})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/book/initial/")
        page.get_by_label(re.compile("Dr. Ben Okafor")).check()
        page.get_by_role("button", name="Show their times").click()
        expect(page).to_have_url(re.compile(r"practitioner=\d+"))
        page.locator("a.day-open").last.click()
        page.locator(".time-choice").first.click()
        fill_details(page)
        page.get_by_role("button", name="Continue to review").click()
        page.get_by_role("button", name="Confirm booking").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")
        snap(page, "no-js-confirmation")
        assert Appointment.objects.get().practitioner == clinic_data["ben"]
    finally:
        context.close()


def test_lost_link_and_error_pages_are_accessible(
    page, live_server, snap, axe_clean, clinic_data, settings
):
    page.goto(live_server.url + "/book/lost-link/")
    check_page(page, axe_clean, snap, "lost-link")
    page.locator("#id_email").fill("not-an-email")
    page.get_by_role("button", name="Email me my links").click()
    expect(page.locator(".error-summary")).to_be_focused()
    check_page(page, axe_clean, snap, "lost-link-error")
    page.locator("#id_email").fill("someone@example.com")
    page.get_by_role("button", name="Email me my links").click()
    expect(page.get_by_role("status")).to_contain_text("If there are upcoming appointments")
    check_page(page, axe_clean, snap, "lost-link-sent")

    page.goto(live_server.url + "/book/manage/" + "0" * 64 + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("We couldn't find that page")
    check_page(page, axe_clean, snap, "invalid-link")

    page.goto(live_server.url + "/book/initial/details/?start=yesterday&practitioner=any")
    check_page(page, axe_clean, snap, "bad-slot")

    settings.LOST_LINK_RATE_LIMIT = 1
    page.goto(live_server.url + "/book/lost-link/")
    for _ in range(2):
        page.locator("#id_email").fill("someone@example.com")
        page.get_by_role("button", name="Email me my links").click()
        if page.get_by_role("heading", level=1).inner_text() == "Too many attempts":
            break
        page.goto(live_server.url + "/book/lost-link/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many attempts")
    check_page(page, axe_clean, snap, "too-many-attempts")


def test_pages_reflow_at_320px_and_a_double_click_books_once(
    browser, live_server, snap, clinic_data
):
    # 320 CSS px is WCAG's reflow width: a 1280 px window at 400 % zoom, or a small phone.
    context = browser.new_context(viewport={"width": 320, "height": 700})
    page = context.new_page()

    def fits(name: str) -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{name} is {width} px wide at 320 px"
        snap(page, f"320px-{name}")

    try:
        page.goto(live_server.url + "/book/")
        fits("types")
        page.goto(live_server.url + "/book/initial/")
        fits("time")
        with page.expect_navigation():  # measure the new page, not the one being left
            page.locator(".time-choice").first.click()
        fits("details")
        fill_details(page)
        with page.expect_navigation():
            page.get_by_role("button", name="Continue to review").click()
        fits("review")
        page.get_by_role("button", name="Confirm booking").dblclick()
        expect(page).to_have_url(re.compile(r"/book/manage/a\.[0-9a-f]{64}/booked/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")
        fits("confirmation")
        assert Appointment.objects.count() == 1
    finally:
        context.close()


# Back from the confirmation page lands on a page of ours, never a browser error page.


def _book(page, live_server) -> None:
    page.goto(live_server.url + "/book/initial/")
    page.locator(".time-choice").first.click()
    fill_details(page)
    page.get_by_role("button", name="Continue to review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check and confirm")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")


def _assert_our_page(page, live_server) -> None:
    assert page.url.startswith(live_server.url), page.url  # not chrome-error://
    assert "ERR_CACHE_MISS" not in page.content()
    expect(page.locator("main")).to_be_visible()


@pytest.mark.parametrize("steps_back", [1, 2])
def test_back_after_booking_lands_on_our_page(page, live_server, clinic_data, steps_back):
    _book(page, live_server)
    confirmation = page.url
    for _ in range(steps_back):
        page.go_back()
        _assert_our_page(page, live_server)
    # Nothing was posted again: still one booking; forward returns to the confirmation.
    assert Appointment.objects.count() == 1
    for _ in range(steps_back):
        page.go_forward()
    assert page.url == confirmation
    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")
