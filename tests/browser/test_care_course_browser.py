"""A whole course of care in real Chromium (issue 13): the patient books a consultation online,
the clinician starts a knee PRP plan from the appointment page, the patient books the procedure
through the plan's private link inside its window, signs the consent, answers the baseline;
six weeks after the procedure (the clock moved) the real scan and ledger send the 6-week
invitation, the patient answers it, and the clinician's chart shows both points.

The patient uses a phone, the clinician a desktop. axe-core (tests/accessibility.py) finds no
violation on any care page of the walk, patient's or staff's, error states included.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date, datetime, time, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from booking.backoffice.roles import CLINICIAN
from booking.models import Appointment, ClinicProfile
from booking.scheduling.clock import clinic_zone
from care.models import (
    CarePlan,
    ConsentRecord,
    ConsentText,
    Instrument,
    InstrumentItem,
    Response,
    TimePoint,
)
from care.shipped import instruments_install
from care.tasks import scan_questionnaires
from tests.back_office import PASSWORD
from tests.browser.sweep import DESKTOP
from tests.care.factories import OutcomeScheduleFactory, PlanTemplateFactory
from tests.care.factories import PlanTemplateStepFactory as Step
from tests.factories import ConsultationTypeFactory, PractitionerFactory, StaffUserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]

BIRTHDAY = date(1961, 4, 9)
PATIENT_EMAIL = "rosa.diaz@example.com"
PLAN_LINK = re.compile(r"/care/p/[^/\s\"<>]+/")


@pytest.fixture(autouse=True)
def _generous_rate_limit(settings):
    settings.BOOKING_RATE_LIMIT = 1000


@pytest.fixture
def knee_course():
    """One clinician, a public consultation and two plan-only types, the knee PRP course
    (procedure 7-21 days after the consult, a follow-up visit 12-16 days after that; outcome
    questionnaires at baseline and 6 weeks and 3 months after the procedure) and its consent."""
    instruments_install(instrument_model=Instrument, item_model=InstrumentItem)
    ClinicProfile.objects.update_or_create(
        pk=1,
        defaults={
            "name": "Riverside Joint & Pain Clinic",
            "phone": "(413) 555-0100",
            "email": "hello@riverside.example",
        },
    )
    consult = ConsultationTypeFactory(slug="consult", name="Knee consultation")
    procedure = ConsultationTypeFactory(
        slug="prp", name="PRP injection", plan_only=True, duration_minutes=60
    )
    follow_up = ConsultationTypeFactory(slug="follow-up", name="Follow-up", plan_only=True)
    clinician = StaffUserFactory(username="dr.reyes", role=CLINICIAN)
    PractitionerFactory(
        display_name="Dr. Ada Reyes",
        user=clinician,
        consultation_types=[consult, procedure, follow_up],
        weekly_hours=[(d, time(9), time(12)) for d in range(5)]
        + [(d, time(13), time(17)) for d in range(5)],
    )
    template = PlanTemplateFactory(
        name="Knee PRP course", outcome_schedule=OutcomeScheduleFactory(follow_up_days=[42, 91])
    )
    for position, (kind, earliest, latest, is_procedure) in enumerate(
        [(consult, 0, 0, False), (procedure, 7, 21, True), (follow_up, 12, 16, False)], start=1
    ):
        Step(
            template=template,
            position=position,
            consultation_type=kind,
            earliest_days_after_previous=earliest,
            latest_days_after_previous=latest,
            is_procedure=is_procedure,
        )
    ConsentText.objects.create(
        consultation_type=procedure,
        version=1,
        title="Consent to a PRP injection",
        body="PRP is not approved by the FDA for joint conditions.\n\nThe evidence is mixed.",
        published_at=timezone.now() - timedelta(days=30),
    )
    return {"template": template, "procedure": procedure, "clinician": clinician}


@contextlib.contextmanager
def clock_at(moment: datetime):
    """Every `timezone.now()` of the process (the live server's thread included, and so
    booking/scheduling/clock.py's local days) reads `moment` plus the time since."""
    real_now = timezone.now
    offset = moment - real_now()
    with mock.patch("django.utils.timezone.now", side_effect=lambda: real_now() + offset):
        yield


def plan_link_from_last_email() -> str:
    """The plan's private link, from the newest email to the patient (with no health detail)."""
    email = [m for m in mail.outbox if PATIENT_EMAIL in m.to][-1]
    assert "PRP" not in email.subject + email.body
    assert "knee" not in email.body.lower()
    return PLAN_LINK.search(email.body).group(0)


def answer_every_question(page, *, pain: int, joint: int, change: str = "") -> None:
    """Each question on the answer page, by its label: the pain scales, the joint's % of
    normal and (after the procedure) the impression of change."""
    for question in page.locator("fieldset.care-question").all():
        prompt = question.locator("legend").inner_text()
        if "percentage of normal" in prompt:
            question.get_by_text(str(joint), exact=True).click()
        elif "change in your condition" in prompt:
            question.get_by_text(change, exact=True).click()
        else:
            question.get_by_text(str(pain), exact=True).click()


def log_in(page, base: str, username: str) -> None:
    page.goto(base + reverse("admin:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()


def test_a_course_of_care_from_online_consult_to_the_six_week_chart(
    page, browser, live_server, axe_clean, snap, knee_course
):
    base = live_server.url
    zone = clinic_zone()

    # 1. The patient books the consultation on the public pages (the procedure is not offered).
    page.goto(base + reverse("booking:start"))
    expect(page.get_by_role("link", name=re.compile("PRP injection"))).to_have_count(0)
    page.get_by_role("link", name=re.compile("Choose a time for Knee consultation")).click()
    page.locator(".time-choice").first.click()
    page.locator("#id_full_name").fill("Rosa Diaz")
    page.locator("#id_email").fill(PATIENT_EMAIL)
    page.locator("#id_phone").fill("(413) 555-0142")
    page.locator("#id_date_of_birth").fill(BIRTHDAY.isoformat())
    page.locator("#id_joints_0").check()
    page.locator("#id_privacy").check()
    page.get_by_role("button", name="Continue to review").click()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")
    consult = Appointment.objects.get(contact_email=PATIENT_EMAIL)
    assert consult.patient.date_of_birth == BIRTHDAY

    # 2. The clinician starts the plan from the consultation's appointment page.
    desk = browser.new_context(viewport=DESKTOP, locale="en-US")
    desk.set_default_timeout(15_000)
    staff = desk.new_page()
    log_in(staff, base, "dr.reyes")
    staff.goto(base + reverse("admin:booking_appointment_change", args=[consult.pk]))
    expect(staff.locator("#care-plan")).to_contain_text("No care plan for this patient.")
    axe_clean(staff)
    staff.get_by_label("Start a plan").select_option(label="Knee PRP course")
    staff.get_by_role("button", name="Start the plan").click()
    expect(staff.locator(".messagelist")).to_contain_text("Plan “Knee PRP course” started")
    axe_clean(staff)  # the plan's page, with its private link and "end early"
    plan = CarePlan.objects.get(patient=consult.patient)
    assert plan.steps.get(position=1).appointment == consult

    # The beat's scan sends the baseline invitation: the plan's private link, nothing else.
    assert scan_questionnaires.apply().result == 1
    link = plan_link_from_last_email()

    # 3. The patient books the procedure through the plan's link, inside its window only.
    page.goto(base + link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your care plan")
    book = page.locator("section", has=page.get_by_role("heading", name="Book your PRP injection"))
    expect(book).to_contain_text("Your clinician planned this visit between")
    axe_clean(page)
    snap(page, "plan-book-the-procedure")
    consult_day = timezone.localtime(consult.start, zone).date()
    offered = [
        datetime.fromisoformat(value)
        for value in book.locator("button[name=start]").evaluate_all("bs => bs.map(b => b.value)")
    ]
    assert offered
    window = (consult_day + timedelta(days=7), consult_day + timedelta(days=21))
    assert all(window[0] <= t.astimezone(zone).date() <= window[1] for t in offered)
    book.locator("button[name=start]").first.click()
    expect(page.get_by_role("status").first).to_contain_text("Your visit is booked.")
    axe_clean(page)
    procedure = Appointment.objects.get(consultation_type=knee_course["procedure"])
    assert procedure.start == offered[0]
    assert plan.steps.get(position=2).appointment == procedure

    # 4. The consent: a wrong date of birth is refused (what was typed is kept), then signed.
    page.get_by_role("link", name="Your consent form").click()
    expect(page.locator("#text-heading")).to_contain_text("Consent to a PRP injection")
    axe_clean(page)
    page.get_by_label("Patient's date of birth").fill("1961-09-04")
    page.get_by_label("Your full name").fill("Rosa Diaz")
    page.get_by_label("I have read this form and I agree to the treatment").check()
    page.get_by_role("button", name="Sign the consent form").click()
    expect(page.locator("#id_date_of_birth-error")).to_contain_text("does not match")
    expect(page.get_by_label("Your full name")).to_have_value("Rosa Diaz")
    axe_clean(page)
    page.get_by_label("Patient's date of birth").fill(BIRTHDAY.isoformat())
    page.get_by_label("I have read this form and I agree to the treatment").check()
    page.get_by_role("button", name="Sign the consent form").click()
    expect(page.get_by_role("status").first).to_contain_text("signed consent is recorded")
    expect(page.get_by_text("Signed by Rosa Diaz")).to_be_visible()
    axe_clean(page)
    snap(page, "consent-signed")
    assert ConsentRecord.objects.get(plan=plan).action == ConsentRecord.Action.SIGNED

    # 5. The baseline questionnaire: a missing answer is an error, then every answer is kept.
    page.get_by_role("link", name="Back to your plan").click()
    page.get_by_role("link", name="Answer the questions before your treatment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How are you?")
    expect(page.get_by_text("change in your condition")).to_have_count(0)  # never at baseline
    axe_clean(page)
    first = page.locator("fieldset.care-question").first
    first.get_by_text("7", exact=True).click()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("#errors")).to_contain_text("Please answer every question")
    expect(page.locator("fieldset.care-question").first.locator("input:checked")).to_have_value("7")
    axe_clean(page)
    # The answers are radio buttons: the arrow keys move between them.
    page.locator("fieldset.care-question").first.locator("input:checked").focus()
    page.keyboard.press("ArrowLeft")
    expect(page.locator("fieldset.care-question").first.locator("input:checked")).to_have_value("6")
    answer_every_question(page, pain=7, joint=40)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(page.get_by_role("note")).to_contain_text("911")
    axe_clean(page)
    baseline = TimePoint.objects.get(plan=plan, days_after_procedure=0)
    assert baseline.answered_at is not None
    assert Response.objects.get(time_point=baseline, instrument__slug="pain-now").score == 7
    page.get_by_role("link", name="Back to your care plan").click()
    expect(page.get_by_role("link", name=re.compile("Answer the questions"))).to_have_count(0)
    expect(page.locator("section", has_text="Book your Follow-up")).to_contain_text("between")
    axe_clean(page)

    # 6. Six weeks after the procedure: the scan (as the beat runs it) sends the invitation.
    six_weeks = TimePoint.objects.get(plan=plan, days_after_procedure=42)
    assert six_weeks.due_at == procedure.start + timedelta(days=42)
    with clock_at(six_weeks.due_at + timedelta(minutes=3)):
        sent_before = len(mail.outbox)
        assert scan_questionnaires.apply().result == 1
        assert len(mail.outbox) == sent_before + 1
        assert plan_link_from_last_email() == link
        page.goto(base + link)
        axe_clean(page)
        page.get_by_role("link", name="Answer the questions 42 days after your treatment").click()
        expect(page.get_by_text("change in your condition")).to_be_visible()
        axe_clean(page)
        answer_every_question(page, pain=3, joint=70, change="Much improved")
        page.get_by_role("button", name="Send my answers").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
        axe_clean(page)
        six_weeks.refresh_from_db()
        assert six_weeks.answered_at > procedure.start + timedelta(days=42)

        # 7. The clinician's chart, on the appointment page and the patient page: both points.
        desk.clear_cookies()
        log_in(staff, base, "dr.reyes")
        for url in (
            reverse("admin:booking_appointment_change", args=[consult.pk]),
            reverse("admin:booking_patient_change", args=[consult.patient_id]),
        ):
            staff.goto(base + url)
            outcomes = staff.locator("#care-outcomes")
            chart = outcomes.locator(".chart-with-table", has_text="Pain now: scores over time")
            expect(chart.locator("svg")).to_be_visible()
            rows = chart.locator("table tbody tr")
            expect(rows).to_have_count(2)
            expect(rows.nth(0)).to_contain_text("Baseline")
            expect(rows.nth(0)).to_contain_text("7")
            expect(rows.nth(1)).to_contain_text("Day 42")
            expect(rows.nth(1)).to_contain_text("+4")
            axe_clean(staff)
        snap(staff, "clinician-chart")
    desk.close()
