"""The booking journey in Spanish in real Chromium (issue 17): a Spanish browser lands on the
Spanish pages, the switch follows the picker's htmx moves, and on a form it re-posts what was
typed (the button sits outside the form, in the header: `form=` and `formaction` do the work)
without booking or cancelling anything. axe checks each page, `lang` included."""

from __future__ import annotations

import re
from datetime import time

import pytest
from playwright.sync_api import expect

from booking.links.tokens import manage_token
from booking.models import Appointment, ClinicProfile, Patient
from tests.factories import (
    AppointmentFactory,
    ConsultationTypeFactory,
    PractitionerFactory,
    next_weekday_at,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]


@pytest.fixture(autouse=True)
def _generous_rate_limit(settings):
    settings.BOOKING_RATE_LIMIT = 1000


@pytest.fixture
def spanish_page(browser):
    """A tab of a browser set to Spanish (its Accept-Language), at a phone's width."""
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="es-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def clinic_data():
    ClinicProfile.objects.update_or_create(
        pk=1, defaults={"name": "Riverside Joint & Pain Clinic", "phone": "(413) 555-0100"}
    )
    ctype = ConsultationTypeFactory(
        slug="initial", name="Initial consultation", min_notice_minutes=24 * 60
    )
    ada = PractitionerFactory(
        display_name="Dr. Ada Reyes",
        consultation_types=[ctype],
        weekly_hours=[(d, time(9), time(17)) for d in range(5)],
    )
    return {"ctype": ctype, "ada": ada}


def test_a_spanish_browser_books_in_spanish_and_the_switch_keeps_what_was_typed(
    spanish_page, live_server, axe_clean, snap, clinic_data
):
    page = spanish_page
    page.goto(live_server.url + "/book/")
    # A first visit from a Spanish browser: the Spanish pages.
    expect(page).to_have_url(re.compile(r"/es/book/$"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    axe_clean(page)
    page.locator(f"a[href='/es/book/{clinic_data['ctype'].slug}/']").first.click()

    expect(page.locator("#month-heading")).to_have_text(re.compile(r"^[a-z]+ de \d{4}$"))
    expect(page.locator("abbr[title='domingo']")).to_have_text("dom")
    axe_clean(page)
    # Another day by htmx: the address changes, and the switch to English follows it.
    other_days = page.locator("a.day-open:not(.day-selected)")
    if other_days.count() == 0:
        page.locator("#picker a[data-focus-after='month-heading']").last.click()
        expect(page.locator("a.day-open").first).to_be_visible()
        other_days = page.locator("a.day-open:not(.day-selected)")
    other_days.first.click()
    expect(page).to_have_url(re.compile(r"date=(\d{4}-\d{2}-\d{2})"))
    chosen = re.search(r"date=(\d{4}-\d{2}-\d{2})", page.url).group(1)
    switch = page.locator("a.language-switch[hreflang='en']")
    expect(switch).to_have_attribute("href", re.compile(rf"^/book/initial/\?.*date={chosen}"))
    expect(page.locator(".time-choice").first).to_contain_text(re.compile(r"[ap]\. m\.$"))
    snap(page, "es-picker")
    page.locator(".time-choice").first.click()

    expect(page).to_have_url(re.compile(r"/es/book/initial/details/"))
    page.locator("#id_full_name").fill("María López")
    page.locator("#id_email").fill("maria@example.com")
    page.locator("#id_note").fill("Me duele al subir escaleras")
    page.locator("#id_joints_1").check()
    axe_clean(page)
    # The switch is a button in the header that posts this form to the English page.
    page.locator("button.language-switch[value='en']").click()
    expect(page).to_have_url(re.compile(r"^http://[^/]+/book/initial/details/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#id_full_name")).to_have_value("María López")
    expect(page.locator("#id_note")).to_have_value("Me duele al subir escaleras")
    expect(page.locator("#id_joints_1")).to_be_checked()
    expect(page.locator(".error-summary")).to_have_count(0)
    axe_clean(page)
    assert not Appointment.objects.exists()

    # And back to Spanish, then on to the end.
    page.locator("button.language-switch[value='es']").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#id_full_name")).to_have_value("María López")
    page.locator("#id_phone").fill("(413) 555-0199")
    page.locator("#id_privacy").check()
    page.locator("form#booking-form button[type=submit]").last.click()
    expect(page.locator("button[data-submit-once]")).to_be_visible()
    axe_clean(page)
    page.locator("button[data-submit-once]").click()

    expect(page).to_have_url(re.compile(r"/book/manage/[^/]+/booked/$"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator(".appointment-summary")).to_contain_text(re.compile(r"[ap]\. m\."))
    axe_clean(page)
    snap(page, "es-confirmation")
    assert Patient.objects.get().language == "es"


def test_a_spanish_patient_switches_on_the_cancel_page_and_nothing_is_cancelled(
    spanish_page, live_server, axe_clean, clinic_data
):
    page = spanish_page
    visit = AppointmentFactory(
        consultation_type=clinic_data["ctype"],
        practitioner=clinic_data["ada"],
        start=next_weekday_at(10),
    )
    Patient.objects.filter(pk=visit.patient_id).update(language="es")
    page.goto(live_server.url + f"/book/manage/{manage_token(visit)}/cancel/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    axe_clean(page)
    page.locator("#id_reason").fill("Tengo otra cita")
    page.locator("button.language-switch[value='en']").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#id_reason")).to_have_value("Tengo otra cita")
    axe_clean(page)
    visit.refresh_from_db()
    assert visit.status == Appointment.Status.CONFIRMED
    assert Patient.objects.get(pk=visit.patient_id).language == "en"
    # The real button still cancels.
    page.locator("#cancel-form button.btn-danger").click()
    expect(page.get_by_role("status").first).to_contain_text("has been cancelled")
    visit.refresh_from_db()
    assert visit.status == Appointment.Status.CANCELLED


def test_book_reschedule_and_cancel_entirely_in_spanish_with_spanish_emails(
    spanish_page, live_server, axe_clean, clinic_data
):
    """The whole journey in Spanish: book from /es/, then move and cancel through the private
    link; every page says lang="es" and passes axe, and every email is Spanish."""
    from django.core import mail

    from tests.spanish import english_left, message_texts

    page = spanish_page
    page.goto(live_server.url + "/es/book/")
    page.locator(f"a[href='/es/book/{clinic_data['ctype'].slug}/']").first.click()
    page.locator(".time-choice").first.click()
    page.locator("#id_full_name").fill("María López")
    page.locator("#id_email").fill("maria@example.com")
    page.locator("#id_phone").fill("(413) 555-0199")
    page.locator("#id_joints_1").check()
    page.locator("#id_privacy").check()
    page.locator("form#booking-form button[type=submit]").last.click()
    page.locator("button[data-submit-once]").click()
    expect(page).to_have_url(re.compile(r"/book/manage/[^/]+/booked/$"))
    visit = Appointment.objects.get()
    first_start = visit.start

    page.goto(live_server.url + f"/book/manage/{manage_token(visit)}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Su cita")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    axe_clean(page)
    page.get_by_role("link", name="Cambiar la fecha u hora").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    axe_clean(page)
    page.locator(".time-choice").last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "¿Cambiar la fecha u hora de su cita?"
    )
    axe_clean(page)
    page.get_by_role("button", name="Sí, cambiarla").click()
    expect(page.get_by_role("status").first).to_contain_text("Su cita se cambió")
    visit.refresh_from_db()
    assert visit.start != first_start

    page.get_by_role("link", name="Cancelar la cita").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    axe_clean(page)
    page.get_by_role("button", name="Sí, cancelarla").click()
    expect(page.get_by_role("status").first).to_contain_text("Su cita fue cancelada")
    axe_clean(page)
    visit.refresh_from_db()
    assert visit.status == Appointment.Status.CANCELLED

    to_patient = [m for m in mail.outbox if "maria@example.com" in m.to]
    assert len(to_patient) >= 3  # confirmation, moved, cancelled
    for message in to_patient:
        assert message.extra_headers.get("Content-Language", "es") == "es"
        body = message_texts(message.body)
        assert english_left(["Your appointment", "Dear María López,"], body) == []
        assert not re.search(r"\d (AM|PM)\b", message.body)
        assert re.search(r"\d:\d\d [ap]\. m\.", message.body), message.subject
    assert {m.subject.split(" ")[0] for m in to_patient} <= {"Su", "Recordatorio:"}
