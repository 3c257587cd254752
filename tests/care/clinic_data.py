"""A clinic of N patients in care plans, made in bulk, for query-count tests: each patient has a
plan of the course's template with its four steps (the first booked), a baseline and two
follow-ups answered on the pain scale, a safety alert, a consent signature and a step to
reschedule. `grow(to=N)`
adds patients up to N, so one test can count queries at 1 and again at 500."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from booking.models import Appointment, Intake, Patient
from care.models import (
    CarePlan,
    CarePlanStep,
    ConsentRecord,
    ConsentText,
    Instrument,
    RescheduleAlert,
    Response,
    SafetyAlert,
    TimePoint,
)

FOLLOW_UPS = (42, 91)


def consent_text(course) -> ConsentText:
    text, _ = ConsentText.objects.get_or_create(
        consultation_type=course["procedure"],
        version=1,
        defaults={
            "title": "PRP consent",
            "body": "What PRP is.",
            "published_at": timezone.now() - timedelta(days=400),
        },
    )
    return text


def plans_for(course, patients: list[Patient], *, first_start) -> list[CarePlan]:
    """One plan per patient, each with its steps, answered time points, an alert, a consent."""
    now = timezone.now()
    template_steps = list(course["template"].steps.order_by("position"))
    consult = course["consult"]
    visits = Appointment.objects.bulk_create(
        Appointment(
            consultation_type=consult,
            practitioner=course["doctor"],
            patient=patient,
            # Half-hour apart, so no two overlap (the database's guard would refuse it).
            start=first_start + timedelta(minutes=30 * i),
            end=first_start + timedelta(minutes=30 * i + 30),
            occupied_start=first_start + timedelta(minutes=30 * i),
            occupied_end=first_start + timedelta(minutes=30 * i + 30),
            contact_name=patient.full_name,
            contact_email=patient.email,
            status=Appointment.Status.CONFIRMED,
        )
        for i, patient in enumerate(patients)
    )
    Intake.objects.bulk_create(Intake(appointment=visit, joints=["knee"]) for visit in visits)
    plans = CarePlan.objects.bulk_create(
        CarePlan(
            patient=patient,
            template=course["template"],
            clinician=course["doctor"],
            started_from=visit,
            started_at=now - timedelta(days=100),
        )
        for patient, visit in zip(patients, visits, strict=True)
    )
    steps = CarePlanStep.objects.bulk_create(
        CarePlanStep(
            plan=plan,
            template_step=step,
            position=step.position,
            appointment=visit if step.position == 1 else None,
        )
        for plan, visit in zip(plans, visits, strict=True)
        for step in template_steps
    )
    points = TimePoint.objects.bulk_create(
        TimePoint(
            plan=plan,
            days_after_procedure=days,
            due_at=now - timedelta(days=100 - days),
            answered_at=now - timedelta(days=100 - days),
        )
        for plan in plans
        for days in (0, *FOLLOW_UPS)
    )
    pain = Instrument.objects.get(slug="pain-now")
    responses = Response.objects.bulk_create(
        Response(
            time_point=point,
            instrument=pain,
            answers={"1": 8 if point.days_after_procedure == 0 else 3},
            score=Decimal(8 if point.days_after_procedure == 0 else 3),
            submitted_at=point.due_at,
        )
        for point in points
    )
    SafetyAlert.objects.bulk_create(
        SafetyAlert(response=response, plan_id=response.time_point.plan_id, created_at=now)
        for response in responses
        if response.time_point.days_after_procedure == FOLLOW_UPS[-1]
    )
    RescheduleAlert.objects.bulk_create(
        RescheduleAlert(
            plan_id=step.plan_id,
            step=step,
            reason=RescheduleAlert.Reason.WINDOW_PASSED,
            detail="Step 3 (Follow-up) is not booked and its window has passed.",
            created_at=now,
        )
        for step in steps
        if step.position == 3
    )
    text = consent_text(course)
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            plan=plan,
            text=text,
            action=ConsentRecord.Action.SIGNED,
            signed_name="Signed",
            date_of_birth_confirmed=True,
            recorded_at=now,
        )
        for plan in plans
    )
    return plans


def grow(course, *, to: int) -> None:
    """Add patients (each with a plan) until the clinic has `to` patients in plans."""
    have = CarePlan.objects.values("patient").distinct().count()
    if to <= have:
        return
    patients = Patient.objects.bulk_create(
        Patient(full_name=f"Patient {i}", email=f"patient{i}@example.org") for i in range(have, to)
    )
    plans_for(course, patients, first_start=first_start(have))


def first_start(offset: int):
    # Visits in the past, half an hour after the ones made before: none overlaps another.
    return timezone.now() - timedelta(days=100) + timedelta(minutes=30 * (offset + 1))
