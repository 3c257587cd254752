"""The rows of the features that plug into booking, for the back office's sweep data
(tests/back_office.py): a care plan with its steps, time points, answers, a safety alert and a
signed consent; a waitlist entry with a hold and an offer; a text reply to read.

Each is made through the feature's own services where one exists, so the pages show what a
clinic really has. The objects returned are the ones the sweep prefers for each model's pages.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Model
from django.utils import timezone

from booking.models import Appointment, InboundText, WaitlistEntry, WaitlistHold, WaitlistOffer
from booking.scheduling.clock import clinic_zone
from care.consent import consent_sign
from care.models import (
    CarePlan,
    ConsentRecord,
    ConsentText,
    Instrument,
    InstrumentItem,
    PlanTemplate,
    RescheduleAlert,
    Response,
    SafetyAlert,
)
from care.outcomes import time_point_answer, time_point_instruments, time_points_sync
from care.plans import plan_start
from care.shipped import instruments_install
from tests.care.factories import OutcomeScheduleFactory, PlanTemplateFactory
from tests.care.factories import PlanTemplateStepFactory as TemplateStep
from tests.factories import (
    AppointmentFactory,
    ConsultationTypeFactory,
    WaitlistEntryFactory,
    WaitlistHoldFactory,
    WaitlistOfferFactory,
)

KNEE_COURSE = "Knee PRP course"


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=clinic_zone())


def knee_course(consult) -> PlanTemplate:
    """The consult, a PRP injection 7-21 days later (with its consent text), a follow-up 12-16
    days after that; questionnaires at baseline and 6 weeks and 3 months after the injection."""
    instruments_install(instrument_model=Instrument, item_model=InstrumentItem)
    procedure = ConsultationTypeFactory(
        slug="prp-injection", name="PRP injection", plan_only=True, duration_minutes=60
    )
    follow_up = ConsultationTypeFactory(slug="follow-up", name="Follow-up", plan_only=True)
    for practitioner in consult.practitioners.all():
        practitioner.consultation_types.add(procedure, follow_up)
    template = PlanTemplateFactory(
        name=KNEE_COURSE, outcome_schedule=OutcomeScheduleFactory(name="Joint outcomes")
    )
    for position, (kind, earliest, latest, is_procedure) in enumerate(
        [(consult, 0, 0, False), (procedure, 7, 21, True), (follow_up, 12, 16, False)], start=1
    ):
        TemplateStep(
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
        title="Consent to a platelet-rich plasma (PRP) injection",
        body=(
            "PRP is not approved by the FDA for joint conditions, and the evidence is mixed.\n\n"
            "Risks: pain, swelling, infection (rare).\nInsurance rarely covers it.\n\n"
            "Alternatives: physiotherapy, a steroid injection, or no injection."
        ),
        published_at=timezone.now() - timedelta(days=60),
    )
    return template


def _answers(point, *, pain: int, joint: int, change: int = 4) -> dict[str, int]:
    values = {"sane": joint, "pgic": change}
    return {
        f"{instrument.pk}-{item.position}": values.get(instrument.slug, pain)
        for instrument in time_point_instruments(point)
        for item in instrument.items.all()
    }


def care_rows(*, consult: Appointment, clinician_user) -> dict[type, Model]:
    """The consult's patient in the knee course: the injection booked, the follow-up booked
    outside its window (the plan page's warning), consent signed, the baseline answered and a
    6-week answer clearly worse than it (a safety alert)."""
    template = knee_course(consult.consultation_type)
    patient = consult.patient
    plan = plan_start(appointment=consult, template=template, acting_user=clinician_user)
    steps = {step.position: step for step in plan.steps.select_related("template_step")}
    consult_day = timezone.localtime(consult.start, clinic_zone()).date()
    for position, day in [
        (2, consult_day + timedelta(days=14)),
        (3, consult_day + timedelta(days=35)),
    ]:
        visit = AppointmentFactory(
            practitioner=consult.practitioner,
            consultation_type=steps[position].template_step.consultation_type,
            patient=patient,
            start=_at(day, 15),  # clear of the sweeps' own visits at 10 and 11
        )
        steps[position].appointment = visit
        steps[position].save(update_fields=["appointment"])
    points = time_points_sync(plan=plan, now=timezone.now())
    consent = consent_sign(
        plan=plan,
        text_id=ConsentText.objects.get(
            consultation_type=steps[2].template_step.consultation_type
        ).pk,
        typed_name=patient.full_name,
        date_of_birth=patient.date_of_birth,
    )
    baseline, six_weeks = points[0], points[1]
    time_point_answer(
        point=baseline, answers=_answers(baseline, pain=5, joint=50), now=timezone.now()
    )
    time_point_answer(
        point=six_weeks,
        answers=_answers(six_weeks, pain=8, joint=30, change=6),
        now=six_weeks.due_at + timedelta(hours=3),
    )
    # The follow-up booked outside its window, as a moved injection would leave it.
    reschedule = RescheduleAlert.objects.create(
        plan=plan,
        step=steps[3],
        reason=RescheduleAlert.Reason.OUT_OF_WINDOW,
        detail="Follow-up booked outside its window after the injection moved.",
        moved_appointment=steps[2].appointment,
        created_at=timezone.now(),
    )
    return {
        CarePlan: plan,
        RescheduleAlert: reschedule,
        ConsentRecord: consent,
        Response: Response.objects.filter(time_point=six_weeks).order_by("pk").first(),
        SafetyAlert: SafetyAlert.objects.filter(plan=plan).order_by("pk").first(),
    }


def waitlist_rows(*, patient, practitioner, consultation_type, day: date) -> dict[type, Model]:
    """An urgent entry with the practitioner, and an offer of freed time that day."""
    entry = WaitlistEntryFactory(
        patient=patient,
        consultation_type=consultation_type,
        practitioner=practitioner,
        urgent=True,
        urgent_reason="Pain at night since the fall",
        urgent_at=timezone.now(),
    )
    offer = WaitlistOfferFactory(
        entry=entry,
        hold=WaitlistHoldFactory(
            consultation_type=consultation_type,
            practitioner=practitioner,
            start=_at(day, 16),
            end=_at(day, 16) + timedelta(minutes=consultation_type.duration_minutes),
        ),
    )
    return {WaitlistEntry: entry, WaitlistHold: offer.hold, WaitlistOffer: offer}


def text_rows(*, appointment: Appointment) -> dict[type, Model]:
    """A reply to read, from the patient's phone about their visit."""
    reply = InboundText.objects.create(
        provider_sid="SM-sweep-0001",
        from_number=appointment.patient.phone,
        body="Can I come a little earlier?",
        keyword=InboundText.Keyword.OTHER,
        received_at=timezone.now() - timedelta(hours=1),
        patient=appointment.patient,
        appointment=appointment,
    )
    return {InboundText: reply}
