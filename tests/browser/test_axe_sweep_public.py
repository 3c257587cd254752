"""axe-core on every public page, reached the way a patient reaches it, at a phone's and a
desktop's width; no page scrolls sideways at 375 or 320 px, and the clinic's phone number
shows in the header at every width (issue 12, items 15, 16 and 19).

Every violation of WCAG 2.0/2.1/2.2 A and AA, `target-size` and axe's best practices counts
(tests/accessibility.py), whatever its impact. A check at the end fails when a named public
URL was neither visited nor listed in PUBLIC_NOT_PAGES, so a page added later is not missed.
"""

from __future__ import annotations

import contextlib
import time
from datetime import date, datetime
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.urls import Resolver404, get_resolver, resolve, reverse
from playwright.sync_api import expect

from booking.backoffice import roles
from booking.links.tokens import manage_token
from booking.models import Appointment, ConsultationType
from care.links import plan_token
from care.models import PlanTemplate
from care.plans import plan_end, plan_start
from tests.back_office import ROLE_USERS, back_office_data
from tests.back_office_rows import KNEE_COURSE
from tests.browser.sweep import DESKTOP, PHONE, SWEEP_MARKS, log_in
from tests.factories import (
    AppointmentFactory,
    ArticleFactory,
    PatientFactory,
    TopicFactory,
    next_weekday_at,
)

pytestmark = SWEEP_MARKS

# Named public URLs that are not pages a person reads (each visited page's name is recorded).
PUBLIC_NOT_PAGES = {
    "healthz": "JSON for the load balancer",
    "robots_txt": "text for crawlers",
    "sitemap": "XML for crawlers",
    "education:feed": "Atom feed",
    "booking:calendar": "an .ics download",
    "booking:calendar_feed": "a clinician's iCalendar subscription (text/calendar)",
    "booking:api_availability": "JSON for the time picker",
    "booking:short_link": "a redirect to the manage page",
    "booking:sms_inbound": "Twilio's webhook",
    "booking:sms_status": "Twilio's delivery reports (a webhook)",
    # Axe-checked by tests/browser/test_waitlist_browser.py (WCAG 2.2 rules, 0 violations).
    "booking:waitlist_confirm": "see test_waitlist_browser.py",
    "booking:waitlist_join": "see test_waitlist_browser.py",
    "booking:waitlist_join_booked": "see test_waitlist_browser.py",
    "booking:waitlist_leave": "see test_waitlist_browser.py",
    "booking:waitlist_manage": "see test_waitlist_browser.py",
    "booking:waitlist_offer": "see test_waitlist_browser.py",
}

# A Markdown body with everything that can widen a page: a long address, a word without a
# break, a wide table, a code block and a sources list of long links.
STRESS_BODY = (Path(__file__).parent / "stress_article.md").read_text()


@pytest.fixture(autouse=True)
def _generous_rate_limits(settings):
    settings.BOOKING_RATE_LIMIT = 1000
    settings.LOST_LINK_RATE_LIMIT = 1000


def fill_details(page) -> None:
    page.locator("#id_full_name").fill("Sam Carter")
    page.locator("#id_email").fill("sam@example.com")
    page.locator("#id_phone").fill("(413) 555-0142")
    page.locator("#id_joints_0").check()
    page.locator("#id_privacy").check()


def test_every_public_page_passes_axe_fits_a_phone_and_shows_the_phone_number(sweep, settings):
    started = time.monotonic()
    back_office_data()  # practitioners, a consultation type, articles
    ctype = ConsultationType.objects.get(slug="initial")
    topic = TopicFactory(slug="evidence", name="Evidence")
    ArticleFactory(topic=topic, slug="long-words", title="Sources", body=STRESS_BODY)
    visited: set[str] = set()
    page = sweep.page
    page.set_viewport_size(PHONE)

    def check(label: str) -> None:
        try:
            visited.add(resolve(page.url.removeprefix(sweep.base).split("?")[0]).view_name)
        except Resolver404:
            visited.add("404")
        sweep.check(label, fits=True)

    for label, url in [
        ("home", "/"),
        ("booking start", reverse("booking:start")),
        ("article list", reverse("education:article_list")),
        ("topic", reverse("education:topic_detail", args=["evidence"])),
        ("article", reverse("education:article_detail", args=["knee-pain"])),
        ("article with long words, a table and code", "/learn/long-words/"),
        ("search", reverse("education:search") + "?q=knee"),
        ("search, nothing found", reverse("education:search") + "?q=zzzz"),
        ("search, empty", reverse("education:search")),
        ("privacy", reverse("privacy")),
        ("404", "/no-such-page/"),
        ("lost link", reverse("booking:lost_link")),
        ("invalid manage link", reverse("booking:manage", args=["0" * 64])),
        ("bad slot", reverse("booking:details", args=["initial"]) + "?start=yesterday"),
    ]:
        sweep.goto(url)
        check(label)

    sweep.goto(reverse("booking:lost_link"))
    page.locator("#id_email").fill("not-an-email")
    page.get_by_role("button", name="Email me my links").click()
    expect(page.locator(".error-summary")).to_be_visible()
    check("lost link, error")
    page.locator("#id_email").fill("someone@example.com")
    page.get_by_role("button", name="Email me my links").click()
    expect(page.get_by_role("status")).to_be_visible()
    check("lost link, sent")

    # The booking journey: time picker, details (and their errors), review, confirmation.
    sweep.goto(reverse("booking:choose_time", args=["initial"]))
    check("time picker")
    page.locator(".time-choice").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    check("details")
    page.get_by_role("button", name="Continue to review").click()
    expect(page.locator(".error-summary")).to_be_visible()
    check("details, errors")
    fill_details(page)
    page.get_by_role("button", name="Continue to review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check and confirm")
    check("review")
    # Someone takes the time while the patient reads: the confirm page offers others.
    start = datetime.fromisoformat(page.locator('input[name="start"]').first.input_value())
    for practitioner in ctype.practitioners.all():  # "any practitioner": take it from all
        with contextlib.suppress(IntegrityError), transaction.atomic():
            AppointmentFactory(consultation_type=ctype, practitioner=practitioner, start=start)
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Please choose another time")
    check("slot taken")
    page.locator(".alternatives button").first.click()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")
    check("confirmation")
    # What a form-filling robot gets (the hidden honeypot field filled in).
    sweep.goto(reverse("booking:choose_time", args=["initial"]))
    page.locator(".time-choice").first.click()
    fill_details(page)
    page.locator("#id_website").evaluate("field => { field.value = 'https://spam.example'; }")
    page.get_by_role("button", name="Continue to review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    check("received (honeypot)")

    # The private link: manage, questionnaire, reschedule, cancel.
    appointment = AppointmentFactory(
        consultation_type=ctype,
        practitioner=ctype.practitioners.first(),
        start=next_weekday_at(10, weeks_ahead=2),
    )
    sweep.goto(reverse("booking:manage", args=[manage_token(appointment)]))
    check("manage")
    with page.expect_navigation():
        page.get_by_role("link", name="Pre-visit questionnaire").click()
    check("questionnaire")
    page.locator("#id_pain_score").fill("11")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator(".error-summary")).to_be_visible()
    check("questionnaire, error")
    page.locator("#id_pain_score").fill("6")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("status").first).to_be_visible()
    check("manage, with a message")
    with page.expect_navigation():
        page.get_by_role("link", name="Change the time").click()
    check("reschedule picker")
    page.locator(".time-choice").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move your appointment?")
    check("reschedule confirm")
    sweep.goto(reverse("booking:manage_cancel", args=[manage_token(appointment)]))
    check("cancel")
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.get_by_role("status").first).to_contain_text("has been cancelled")
    check("cancelled")

    requested = AppointmentFactory(
        consultation_type=ctype,
        practitioner=ctype.practitioners.first(),
        start=next_weekday_at(11, weeks_ahead=2),
        status=Appointment.Status.REQUESTED,
    )
    sweep.goto(reverse("booking:confirmation", args=[manage_token(requested)]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your request has been received")
    check("request received")

    _care_pages(sweep, check, ctype)

    # A draft article, as the content editor previews it on the site.
    page.context.clear_cookies()
    log_in(sweep, ROLE_USERS[roles.EDITOR])
    sweep.goto(reverse("education:article_detail", args=["draft-article"]))
    check("article preview (editor)")
    page.context.clear_cookies()

    # Refusals: too many attempts, a form sent without its security token.
    settings.LOST_LINK_RATE_LIMIT = 1
    for _ in range(2):
        sweep.goto(reverse("booking:lost_link"))
        page.locator("#id_email").fill("someone@example.com")
        page.get_by_role("button", name="Email me my links").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many attempts")
    check("429")
    settings.LOST_LINK_RATE_LIMIT = 1000
    sweep.goto(reverse("booking:lost_link"))
    page.context.clear_cookies()
    page.locator("#id_email").fill("someone@example.com")
    page.get_by_role("button", name="Email me my links").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Please try that again")
    check("403, form without its token")

    # The project's own 403 and 500 pages (tests/clinic/urls_errors.py fails on purpose).
    settings.ROOT_URLCONF = "tests.clinic.urls_errors"
    sweep.goto("/test-errors/forbidden/")
    check("403")
    sweep.goto("/test-errors/broken/")
    sweep.check("500")
    settings.ROOT_URLCONF = "clinic.urls"  # (the settings fixture would restore it at the end)

    # The back office's login, empty and with an error.
    page.set_viewport_size(DESKTOP)
    sweep.goto(reverse("admin:login"))
    sweep.check("admin login")
    page.fill("#id_username", "nobody")
    page.fill("#id_password", "wrong")
    page.locator("input[type=submit]").click()
    expect(page.locator(".errornote")).to_be_visible()
    sweep.check("admin login, error")

    public_names = _public_url_names()
    missed = public_names - visited - set(PUBLIC_NOT_PAGES)
    assert not missed, f"public pages the sweep never reached: {sorted(missed)}"
    sweep.assert_clean(started)


def _care_pages(sweep, check, ctype) -> None:
    """The care plan's private link (issue 13), for a patient whose plan was just started: the
    plan with times inside the next step's window, the consent (its errors, signed), the
    questions (their errors, answered, closed once answered), stopping and restarting them,
    and the plan once ended."""
    page = sweep.page
    consult = AppointmentFactory(
        consultation_type=ctype,
        practitioner=ctype.practitioners.first(),
        patient=PatientFactory(full_name="Lee Park", date_of_birth=date(1970, 5, 17)),
        start=next_weekday_at(10, weeks_ahead=3),
    )
    plan = plan_start(appointment=consult, template=PlanTemplate.objects.get(name=KNEE_COURSE))
    token = plan_token(plan)
    sweep.goto(reverse("care:plan", args=[token]))
    check("care plan, times to book")
    page.locator("button[name=start]").first.click()
    expect(page.get_by_role("status").first).to_contain_text("Your visit is booked.")
    check("care plan, visit booked")

    with page.expect_navigation():
        page.get_by_role("link", name="Your consent form").click()
    check("consent")
    page.get_by_role("button", name="Sign the consent form").click()
    expect(page.locator("#id_full_name-error")).to_be_visible()
    check("consent, errors")
    page.get_by_label("Patient's date of birth").fill("1970-05-17")
    page.get_by_label("Your full name").fill("Lee Park")
    page.get_by_label("I have read this form and I agree to the treatment").check()
    page.get_by_role("button", name="Sign the consent form").click()
    expect(page.get_by_role("status").first).to_contain_text("signed consent is recorded")
    check("consent, signed")

    page.get_by_role("link", name="Back to your plan").click()
    page.get_by_role("link", name="Answer the questions before your treatment").click()
    answer_url = page.url
    check("questions")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("#errors")).to_be_visible()
    check("questions, errors")
    for question in page.locator("fieldset.care-question").all():
        question.locator("label").nth(3).click()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    check("questions answered")
    sweep.goto(answer_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("There is nothing to answer here")
    check("questions, already answered")

    sweep.goto(reverse("care:questions_preference", args=[token]))
    check("stop the questions")
    page.get_by_role("button", name="Stop sending me questions").click()
    expect(page.get_by_role("status").first).to_contain_text("not send you any more")
    check("care plan, questions stopped")
    with page.expect_navigation():
        page.get_by_role("link", name="Start receiving them again").click()
    check("restart the questions")
    plan_end(plan=plan, reason="Moved away")
    sweep.goto(reverse("care:plan", args=[token]))
    expect(page.get_by_text("This plan has ended.")).to_be_visible()
    check("care plan, ended")


def _public_url_names() -> set[str]:
    names = set()
    for name, values in get_resolver().reverse_dict.lists():
        if isinstance(name, str):
            path = values[0][0][0][0]
            if not path.startswith(reverse("admin:index").lstrip("/")) and "media" not in path:
                names.add(name)
    for namespace, (_prefix, resolver) in get_resolver().namespace_dict.items():
        if namespace == "admin":
            continue
        names |= {f"{namespace}:{n}" for n in resolver.reverse_dict if isinstance(n, str)}
    return names


def test_every_spanish_page_passes_axe_and_says_it_is_spanish(sweep):
    """The Spanish side (issue 17): each public page under /es/ and each private page of a
    Spanish patient, at a phone's and a desktop's width, `lang="es"` on the page and the
    switch's "English" marked `lang="en"`; then a switch to English and back says so too."""
    started = time.monotonic()
    back_office_data()
    ctype = ConsultationType.objects.get(slug="initial")
    ConsultationType.objects.filter(pk=ctype.pk).update(name_es="Primera consulta")
    english = ArticleFactory(slug="rodilla-en", title="Knee pain explained")
    ArticleFactory(
        slug="dolor-de-rodilla",
        title="El dolor de rodilla, explicado",
        language="es",
        translation_of=english,
        topic=english.topic,
    )
    page = sweep.page
    appointment = AppointmentFactory(
        consultation_type=ctype,
        practitioner=ctype.practitioners.first(),
        patient=PatientFactory(full_name="Lucía Pérez", language="es"),
        start=next_weekday_at(10, weeks_ahead=2),
    )
    plan = plan_start(appointment=appointment, template=PlanTemplate.objects.get(name=KNEE_COURSE))
    token = manage_token(appointment)

    def check(label: str) -> None:
        expect(page.locator("html")).to_have_attribute("lang", "es")
        sweep.check(f"es: {label}", fits=True)

    for label, url in [
        ("home", "/es/"),
        ("booking start", "/es/book/"),
        ("time picker", "/es/book/initial/"),
        ("article list", "/es/learn/"),
        ("article", "/es/learn/dolor-de-rodilla/"),
        ("search", "/es/learn/search/?q=rodilla"),
        ("privacy", "/es/privacy/"),
        ("404", "/es/no-such-page/"),
        ("lost link", "/es/book/lost-link/"),
        ("manage", reverse("booking:manage", args=[token])),
        ("questionnaire", reverse("booking:questionnaire", args=[token])),
        ("reschedule picker", reverse("booking:manage_reschedule", args=[token])),
        ("cancel", reverse("booking:manage_cancel", args=[token])),
        ("care plan", reverse("care:plan", args=[plan_token(plan)])),
        ("consent", reverse("care:consent", args=[plan_token(plan)])),
    ]:
        sweep.goto(url)
        check(label)
    expect(
        page.locator("a.language-switch[lang='en'], button.language-switch[lang='en']").first
    ).to_be_visible()

    # After a switch to English and back, the page says which language it is in.
    sweep.goto("/es/book/initial/")
    page.locator(".time-choice").first.click()
    page.locator("#id_full_name").fill("Lucía Pérez")
    page.locator("button.language-switch[value='en']").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    sweep.check("es -> en: details", fits=True)
    with page.expect_navigation():
        page.locator("button.language-switch[value='es']").click()
    check("en -> es: details")
    expect(page.locator("#id_full_name")).to_have_value("Lucía Pérez")
    sweep.assert_clean(started)
