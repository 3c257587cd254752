"""Reception books the rest of a plan in one go: every step not yet booked, each at the first
free time with the plan's clinician inside its window (staff rules: no minimum notice or
horizon, waitlist holds do not stop staff), in one transaction. Either every step is booked or
none is: the first step that cannot be placed is named with the reason, and nothing is kept.

Each step's window counts from the step before it, so the steps are placed in order and each
window is worked out from the visit just booked for the step before (in the same transaction:
the availability engine sees those visits as busy, too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from booking.interface import (
    Appointment,
    BookingError,
    appointment_book,
    clinic_profile_get,
    clinic_zone,
)
from care.models import CarePlan, CarePlanStep
from care.outcomes import time_points_sync
from care.plans import (
    PlanError,
    Window,
    clinician_first_free,
    plan_contact,
    plan_steps,
    step_is_taken,
    step_window,
)


class StepNotPlaced(PlanError):
    """The series was not booked: `step` could not be placed, for `reason` (shown to staff)."""

    def __init__(self, *, step: CarePlanStep, reason: str):
        self.step, self.reason = step, reason
        super().__init__(
            f"Nothing was booked: step {step.position} "
            f"({step.template_step.consultation_type.name}) cannot be placed: {reason}"
        )


@dataclass(frozen=True)
class StepBooked:
    step: CarePlanStep
    appointment: Appointment


def _days(window: Window) -> str:
    return f"{window.earliest:%a %d %b %Y} to {window.latest:%a %d %b %Y}"


def _place(
    *, plan: CarePlan, step: CarePlanStep, steps: list[CarePlanStep], now: datetime
) -> datetime:
    """Where the step goes, or StepNotPlaced with the reason."""
    consultation_type = step.template_step.consultation_type
    today = timezone.localtime(now, clinic_zone()).date()
    if step.position == steps[0].position:
        # The first step has no window: the first free time within the booking horizon.
        window = Window(
            earliest=today, latest=today + timedelta(days=clinic_profile_get().horizon_days)
        )
    else:
        window = step_window(step, steps)
        if window is None:
            raise StepNotPlaced(step=step, reason="the step before it is not booked.")
    if window.latest < today:
        raise StepNotPlaced(step=step, reason=f"its window, {_days(window)}, has passed.")
    if not plan.clinician.consultation_types.filter(pk=consultation_type.pk).exists():
        raise StepNotPlaced(
            step=step, reason=f"{plan.clinician.display_name} does not offer {consultation_type}."
        )
    start = clinician_first_free(
        plan=plan, step=step, first=max(window.earliest, today), last=window.latest, now=now
    )
    if start is None:
        raise StepNotPlaced(
            step=step,
            reason=f"{plan.clinician.display_name} has no free time for {consultation_type} "
            f"from {_days(window)}.",
        )
    return start


@transaction.atomic
def plan_book_remaining(
    *,
    plan: CarePlan,
    acting_user: AbstractBaseUser | None = None,
    now: datetime | None = None,
) -> list[StepBooked]:
    """Book every step of the plan not yet booked, in order, at the first free time inside its
    window with the plan's clinician; all in one transaction. Raises StepNotPlaced (nothing is
    booked) naming the first step that cannot be placed, PlanError if the plan has ended or
    nothing is left to book."""
    now = now or timezone.now()
    # The plan's row locked: two clicks (or the patient's link) do not book a step twice.
    plan = (
        CarePlan.objects.select_for_update()
        .select_related("patient", "clinician", "template")
        .get(pk=plan.pk)
    )
    if not plan.is_active:
        raise PlanError("This plan has ended: nothing can be booked for it.")
    list(CarePlanStep.objects.select_for_update().filter(plan=plan).values_list("pk"))
    steps = plan_steps(plan)
    remaining = [step for step in steps if not step_is_taken(step)]
    if not remaining:
        raise PlanError("Every step of this plan is already booked.")
    contact = plan_contact(plan)
    booked = []
    for step in remaining:
        start = _place(plan=plan, step=step, steps=steps, now=now)
        try:
            appointment = appointment_book(
                consultation_type=step.template_step.consultation_type,
                start=start,
                contact=contact,
                practitioner=plan.clinician,
                patient=plan.patient,
                source=Appointment.Source.ADMIN,
                acting_user=acting_user,
                apply_patient_rules=False,
                now=now,
            )
        except BookingError as exc:
            raise StepNotPlaced(step=step, reason=str(exc.message)) from exc
        CarePlanStep.objects.filter(pk=step.pk).update(appointment=appointment)
        # The next step's window counts from this visit.
        step.appointment = appointment
        booked.append(StepBooked(step=step, appointment=appointment))
    if any(b.step.template_step.is_procedure for b in booked):
        time_points_sync(plan=plan, now=now)
    return booked
