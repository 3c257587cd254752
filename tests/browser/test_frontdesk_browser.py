"""The front desk in real Chromium: reception books by clicking free time, cancels from the side
panel, moves a visit from the side panel (with and without JavaScript), finds patients by phone
and by short reference, merges duplicates; a clinician reads an own patient's chief complaint
(not another's) and marks a visit completed; the appointment list fits 1280 px; axe finds nothing
on every new page for every role that can open it."""

from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.backoffice.roles import CLINICIAN, MANAGER, RECEPTION
from booking.models import Appointment, Patient
from booking.patients.identity import ContactDetails, patient_get_or_create
from booking.profile import clinic_profile_get
from tests.booking.backoffice.conftest import at
from tests.factories import (
    AppointmentFactory,
    ConsultationTypeFactory,
    IntakeFactory,
    PractitionerFactory,
    StaffUserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def desk(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda m: errors.append(f"{m.text} {m.location}") if m.type == "error" else None,
    )
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    yield page
    context.close()
    # The admin has no favicon (Chromium asks for one on its own); anything else is a fault.
    errors = [e for e in errors if "favicon.ico" not in e]
    assert not errors, errors


def _weekday(offset_weeks: int, weekday: int = 1) -> date:
    today = timezone.localdate()
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7 * offset_weeks)


@pytest.fixture
def clinic():
    clinic_profile_get()
    short = ConsultationTypeFactory(slug="follow-up", name="Follow-up", duration_minutes=30)
    hours = [(d, time(9), time(12)) for d in range(5)]
    patel_user = StaffUserFactory(username="patel", role=CLINICIAN)
    okafor_user = StaffUserFactory(username="okafor", role=CLINICIAN)
    patel = PractitionerFactory(
        display_name="Dr Patel", user=patel_user, consultation_types=[short], weekly_hours=hours
    )
    okafor = PractitionerFactory(
        display_name="Dr Okafor", user=okafor_user, consultation_types=[short], weekly_hours=hours
    )
    StaffUserFactory(username="rosa", role=RECEPTION)
    StaffUserFactory(username="maya", role=MANAGER)
    return {"short": short, "patel": patel, "okafor": okafor}


def _login(page, live_server, username):
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", "test-password-123")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))


def test_reception_books_from_free_time_and_cancels_from_the_panel(
    live_server, desk, clinic, axe_clean
):
    page = desk
    day = _weekday(1)
    _login(page, live_server, "rosa")
    page.goto(live_server.url + reverse("admin:booking_schedule_day") + f"?date={day}")
    axe_clean(page)
    page.get_by_role("link", name=f"Free, Dr Patel, {day:%A} 10:00").click()
    assert page.input_value("#id_practitioner") == str(clinic["patel"].pk)
    page.check("#book-form input[name=start]:checked")  # the clicked time is chosen
    axe_clean(page)
    page.fill("#book-form #id_full_name", "Maria Gomez")
    page.fill("#book-form #id_email", "maria@example.com")
    page.fill("#book-form #id_phone", "+14135550101")
    page.check("#book-form input[name=joints][value=knee]")
    page.check("#book-form #id_privacy_read_out")
    page.click("text=Book appointment")
    page.wait_for_selector(".messagelist .success")
    visit = Appointment.objects.get()
    assert timezone.localtime(visit.start).time() == time(10)

    page.goto(live_server.url + reverse("admin:booking_schedule_day") + f"?date={day}")
    page.click(".cell-visit a")  # htmx swaps the panel in
    page.wait_for_selector("#side-panel #panel-cancel-reason")
    assert "Maria Gomez" in page.inner_text("#side-panel")
    axe_clean(page)
    page.fill("#panel-cancel-reason", "Doctor ill")
    page.click("text=Cancel this visit")
    page.wait_for_selector(".messagelist .success")
    visit.refresh_from_db()
    assert visit.status == Appointment.Status.CANCELLED


def test_reception_moves_a_visit_from_the_panel(live_server, desk, clinic, axe_clean):
    page = desk
    day = _weekday(1)
    visit = AppointmentFactory(
        consultation_type=clinic["short"], practitioner=clinic["patel"], start=at(day, 9)
    )
    AppointmentFactory(
        consultation_type=clinic["short"], practitioner=clinic["patel"], start=at(day, 11)
    )
    _login(page, live_server, "rosa")
    page.goto(live_server.url + reverse("admin:booking_schedule_day") + f"?date={day}")
    page.evaluate("window.stillHere = true")  # gone if the page reloads
    page.click(".cell-visit a >> nth=0")
    page.wait_for_selector("#side-panel #panel-move-time")
    page.fill("#panel-move-time", "11:00")  # taken: the panel says so, in place
    page.click("#side-panel .panel-move button")
    page.wait_for_selector("#panel-move-error")
    assert "That time is taken" in page.inner_text("#panel-move-error")
    assert page.evaluate("window.stillHere") is True
    assert page.input_value("#panel-move-time") == "11:00"  # as typed
    axe_clean(page)
    page.fill("#panel-move-time", "10:30")
    page.select_option("#panel-move-practitioner", str(clinic["okafor"].pk))
    page.click("#side-panel .panel-move button")
    page.wait_for_selector(".messagelist .success")  # the whole day again, the grid redrawn
    assert "Dr Okafor" in page.inner_text(".messagelist")
    visit.refresh_from_db()
    assert (visit.start, visit.practitioner) == (at(day, 10, 30), clinic["okafor"])

    # Without JavaScript: the same form, a whole page each time.
    context = page.context.browser.new_context(java_script_enabled=False, locale="en-US")
    context.add_cookies(page.context.cookies())
    plain = context.new_page()
    plain.goto(
        live_server.url + reverse("admin:booking_schedule_day") + f"?date={day}&panel={visit.pk}"
    )
    plain.fill("#panel-move-time", "08:00")
    plain.click("#side-panel .panel-move button")
    assert "outside Dr Okafor's hours" in plain.inner_text("#panel-move-error")
    plain.fill("#panel-move-time", "09:30")
    plain.click("#side-panel .panel-move button")
    assert "Moved" in plain.inner_text(".messagelist")
    context.close()
    visit.refresh_from_db()
    assert visit.start == at(day, 9, 30)


def test_reception_finds_patients_and_merges_duplicates(live_server, desk, clinic, axe_clean):
    page = desk
    details = {"email": "", "phone": "+14135550101", "date_of_birth": date(1960, 3, 4)}
    first = patient_get_or_create(contact=ContactDetails(full_name="Maria Gomez", **details))
    second = patient_get_or_create(contact=ContactDetails(full_name="Maria Gómez R", **details))
    visit = AppointmentFactory(
        consultation_type=clinic["short"],
        practitioner=clinic["patel"],
        patient=first,
        start=at(_weekday(1), 9),
    )
    _login(page, live_server, "rosa")
    page.goto(live_server.url + reverse("admin:booking_schedule_day"))
    page.fill("#patient-q", "413 555 0101")  # htmx lists both records as you type
    page.wait_for_selector("#patient-search-results li >> nth=1")
    axe_clean(page)
    page.fill("#patient-q", visit.short_reference.lower())
    page.press("#patient-q", "Enter")  # one match: straight to the record
    page.wait_for_url(f"**/patient/{first.pk}/record/")
    axe_clean(page)
    assert "Possibly the same person" in page.inner_text("#content")
    page.click(f"text=Merge Maria Gómez R (record {second.pk}) into this record")
    page.wait_for_selector("#merge-compare")  # both records side by side; nothing merged yet
    assert Patient.objects.filter(pk=second.pk).exists()
    compare = page.inner_text("#merge-compare").lower()  # the admin's headings are upper case
    assert f"merged in, then removed: record {second.pk}" in compare
    axe_clean(page)
    page.click(f"text=Merge record {second.pk} into record {first.pk}")
    page.wait_for_selector(".messagelist .success")
    assert not Patient.objects.filter(pk=second.pk).exists()


def test_clinician_reads_own_chief_complaint_and_marks_completed(
    live_server, desk, clinic, axe_clean
):
    page = desk
    day = _weekday(-1)  # a past Tuesday: an outcome is recorded once the visit has begun
    own = AppointmentFactory(
        consultation_type=clinic["short"],
        practitioner=clinic["patel"],
        start=at(day, 9),
        intake=None,
    )
    IntakeFactory(appointment=own, joints=["knee"], pain_score=7)
    other = AppointmentFactory(
        consultation_type=clinic["short"],
        practitioner=clinic["okafor"],
        start=at(day, 9),
        intake=None,
    )
    IntakeFactory(appointment=other, joints=["hip"], pain_score=3)
    _login(page, live_server, "patel")
    page.goto(live_server.url + reverse("admin:booking_schedule_day") + f"?date={day}")
    grid = page.inner_text("#schedule-grid")
    assert "Knee, 7/10" in grid
    assert "3/10" not in page.content()
    axe_clean(page)
    page.click(".cell-visit a")
    page.wait_for_selector("#side-panel button[value=completed]")
    page.click("#side-panel button[value=completed]")
    page.wait_for_selector(".messagelist .success")
    own.refresh_from_db()
    assert own.status == Appointment.Status.COMPLETED


def test_appointment_list_fits_1280_and_new_pages_pass_axe_for_each_role(
    live_server, desk, clinic, axe_clean
):
    page = desk
    AppointmentFactory(
        consultation_type=clinic["short"],
        practitioner=clinic["patel"],
        start=at(_weekday(1), 9),
        patient__full_name="Maria Gomez-Fernández de la Vega",
        status=Appointment.Status.CANCELLED,
    )
    patient = Patient.objects.get()
    pages = {
        "rosa": ["schedule_week", "patient_search", "record", "calendar_feed"],
        "patel": ["schedule_day", "schedule_week", "record", "calendar_feed"],
        "maya": ["schedule_day", "record", "calendar_feed", "reports"],
    }
    for username, names in pages.items():
        page.context.clear_cookies()
        _login(page, live_server, username)
        page.goto(live_server.url + reverse("admin:booking_appointment_changelist"))
        status = page.locator("#result_list th.column-status")
        box = status.bounding_box()
        assert box["x"] + box["width"] <= 1280, "the Status column is cut off at 1280 px"
        assert "Cancelled" in page.inner_text("#result_list")
        for name in names:
            url = (
                reverse("admin:booking_patient_record", args=[patient.pk])
                if name == "record"
                else reverse(f"admin:booking_{name}")
            )
            page.goto(live_server.url + url + ("?q=Gomez" if name == "patient_search" else ""))
            axe_clean(page)
            if name == "calendar_feed" and username == "patel":
                page.click("text=Make my calendar address")  # the one time it is shown
                page.wait_for_selector("#feed-url")
                axe_clean(page)
