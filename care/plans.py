"""Care plan services: start a plan, the window of each step, booking the next step through
booking's availability engine (the plan-only check), ending a plan early.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from booking.interface import (
    Appointment,
    BookingError,
    ContactDetails,
    PlanBookingRequest,
    appointment_book,
    available_slots,
    clinic_zone,
)
from care.models import CarePlan, CarePlanStep, PlanTemplate
from care.outcomes import time_points_sync

# A step is taken while its visit is booked, under way or done; a cancelled or missed visit
# frees the step to be booked again.
HOLDING = (
    Appointment.Status.REQUESTED,
    Appointment.Status.CONFIRMED,
    Appointment.Status.ARRIVED,
    Appointment.Status.COMPLETED,
)


class PlanError(BookingError):
    pass


def step_is_taken(step: CarePlanStep) -> bool:
    return step.appointment is not None and step.appointment.status in HOLDING


@dataclass(frozen=True)
class Window:
    earliest: date
    latest: date

    def contains(self, day: date) -> bool:
        return self.earliest <= day <= self.latest


def plan_steps(plan: CarePlan) -> list[CarePlanStep]:
    """The plan's steps with their template step, type and visit, in one query."""
    return list(
        plan.steps.select_related(
            "template_step__consultation_type", "appointment__consultation_type"
        ).order_by("position")
    )


def step_window(step: CarePlanStep, steps: list[CarePlanStep]) -> Window | None:
    """The days the step may be booked on: its template's window after the previous step's
    visit (local days). None for the first step, or while the previous one is not booked."""
    before = [s for s in steps if s.position < step.position]
    if not before:
        return None
    previous = before[-1]
    if not step_is_taken(previous):
        return None
    base = timezone.localtime(previous.appointment.start, clinic_zone()).date()
    template = step.template_step
    return Window(
        earliest=base + timedelta(days=template.earliest_days_after_previous),
        latest=base + timedelta(days=template.latest_days_after_previous),
    )


def plan_next_step(steps: list[CarePlanStep]) -> CarePlanStep | None:
    return next((s for s in steps if not step_is_taken(s)), None)


def steps_out_of_window(steps: list[CarePlanStep]) -> list[CarePlanStep]:
    """Booked steps whose visit no longer fits the window after the step before it (after a
    move or a cancellation): staff are told, nothing is moved for them."""
    out = []
    for step in steps:
        if not step_is_taken(step) or step.appointment.status == Appointment.Status.COMPLETED:
            continue
        window = step_window(step, steps)
        day = timezone.localtime(step.appointment.start, clinic_zone()).date()
        if step.position > 1 and (window is None or not window.contains(day)):
            out.append(step)
    return out


@transaction.atomic
def plan_start(
    *,
    appointment: Appointment,
    template: PlanTemplate,
    acting_user: AbstractBaseUser | None = None,
    now: datetime | None = None,
) -> CarePlan:
    """Start `template` for the appointment's patient, treated by its practitioner; the
    appointment fills the first step when it is of that step's type."""
    now = now or timezone.now()
    template_steps = list(template.steps.order_by("position"))
    if not template_steps or not template.active:
        raise PlanError("This plan template has no steps or is not active.")
    plan = CarePlan.objects.create(
        patient_id=appointment.patient_id,
        template=template,
        clinician_id=appointment.practitioner_id,
        started_from=appointment,
        started_at=now,
        started_by=acting_user if acting_user and acting_user.is_authenticated else None,
    )
    first_fits = (
        template_steps[0].consultation_type_id == appointment.consultation_type_id
        and not CarePlanStep.objects.filter(appointment=appointment).exists()
    )
    CarePlanStep.objects.bulk_create(
        CarePlanStep(
            plan=plan,
            template_step=template_step,
            position=index,
            appointment=appointment if index == 1 and first_fits else None,
        )
        for index, template_step in enumerate(template_steps, start=1)
    )
    time_points_sync(plan=plan, now=now)
    return plan


def plan_booking_check(request: PlanBookingRequest) -> bool:
    """booking's plan-only seam: a patient may book a plan-only type for the plan's next step,
    on a day inside its window."""
    step_id = request.context.get("care_step")
    if not isinstance(step_id, int) or request.patient_id is None:
        return False
    step = CarePlanStep.objects.select_related("plan").filter(pk=step_id).first()
    if step is None or not step.plan.is_active or step.plan.patient_id != request.patient_id:
        return False
    steps = plan_steps(step.plan)
    current = next((s for s in steps if s.pk == step.pk), None)
    if current is None or plan_next_step(steps) != current:
        return False
    if current.template_step.consultation_type_id != request.consultation_type_id:
        return False
    window = step_window(current, steps)
    day = timezone.localtime(request.start, clinic_zone()).date()
    return window is not None and window.contains(day)


def step_slots(*, step: CarePlanStep, steps: list[CarePlanStep], now: datetime | None = None):
    """Free times for the step inside its window, from booking's availability engine."""
    now = now or timezone.now()
    window = step_window(step, steps)
    if window is None:
        return {}
    first = max(window.earliest, timezone.localtime(now, clinic_zone()).date())
    if first > window.latest:
        return {}
    return available_slots(
        consultation_type=step.template_step.consultation_type,
        first_day=first,
        last_day=window.latest,
        now=now,
    )


def clinician_first_free(
    *, plan: CarePlan, step: CarePlanStep, first: date, last: date, now: datetime
) -> datetime | None:
    """The earliest free start for the step with the plan's clinician from `first` to `last`
    (local days), as staff see it (no notice or horizon, waitlist holds no obstacle)."""
    if first > last:
        return None
    slots = available_slots(
        consultation_type=step.template_step.consultation_type,
        first_day=first,
        last_day=last,
        practitioner_id=plan.clinician_id,
        now=now,
        enforce_notice_and_horizon=False,
        include_holds=False,
    )
    starts = [slot.start for day in sorted(slots) for slot in slots[day] if slot.start > now]
    return min(starts, default=None)


def plan_contact(plan: CarePlan) -> ContactDetails:
    # The details the patient last booked with (the plan's visits carry them, as any visit).
    last = Appointment.objects.filter(patient_id=plan.patient_id).order_by("-created_at").first()
    patient = plan.patient
    return ContactDetails(
        full_name=last.contact_name if last else patient.full_name,
        email=last.contact_email if last else patient.email,
        phone=str(last.contact_phone if last else patient.phone or ""),
        date_of_birth=patient.date_of_birth,
    )


@transaction.atomic
def plan_step_book(
    *, step: CarePlanStep, start: datetime, now: datetime | None = None
) -> Appointment:
    """The patient books the step through the private link: booking's rules apply, and its
    plan-only check asks plan_booking_check whether this step and day are allowed."""
    step = CarePlanStep.objects.select_for_update().select_related("plan__patient").get(pk=step.pk)
    plan = step.plan
    appointment = appointment_book(
        consultation_type=step.template_step.consultation_type,
        start=start,
        contact=plan_contact(plan),
        patient=plan.patient,
        plan_request=PlanBookingRequest(
            consultation_type_id=step.template_step.consultation_type_id,
            start=start,
            patient_id=plan.patient_id,
            context={"care_step": step.pk},
        ),
        now=now,
    )
    CarePlanStep.objects.filter(pk=step.pk).update(appointment=appointment)
    if step.template_step.is_procedure:
        time_points_sync(plan=plan, now=now or timezone.now())
    return appointment


@transaction.atomic
def plan_end(
    *,
    plan: CarePlan,
    reason: str,
    acting_user: AbstractBaseUser | None = None,
    now: datetime | None = None,
) -> CarePlan:
    """End a plan early, recording why: no questionnaire goes out after this."""
    reason = " ".join(reason.split())[:500]
    if not reason:
        raise PlanError("Say why the plan ends early.")
    if not plan.is_active:
        raise PlanError("This plan has already ended.")
    plan.status = CarePlan.Status.ENDED
    plan.ended_at = now or timezone.now()
    plan.end_reason = reason
    plan.save(update_fields=["status", "ended_at", "end_reason"])
    return plan
