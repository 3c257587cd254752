"""care's registrations with booking's seams, called once from CareConfig.ready()."""

from __future__ import annotations

from booking.interface import (
    AppointmentEvent,
    EventName,
    data_contributor_register,
    patient_record_section_register,
    plan_booking_check_register,
    status_guard_register,
    subscribe,
)
from care import (  # noqa: F401 - tasks registers with Celery
    links,
    messages,
    privacy,
    rescheduling,
    tasks,
)
from care.backoffice.panels import record_section, record_section_visible
from care.consent import procedure_status_guard
from care.models import CarePlanStep
from care.outcomes import time_points_sync
from care.plans import plan_booking_check


def _procedure_changed(event: AppointmentEvent) -> None:
    # A moved or cancelled procedure moves its unanswered follow-up questionnaires: a couple of
    # queries, and only for a visit that is a plan's procedure step.
    step = (
        CarePlanStep.objects.select_related("plan__template__outcome_schedule")
        .filter(appointment_id=event.appointment_id, template_step__is_procedure=True)
        .first()
    )
    if step is not None and event.start is not None:
        time_points_sync(plan=step.plan, now=event.start)


def _step_moved(event: AppointmentEvent) -> None:
    # A moved plan visit may leave later steps outside their windows: staff are told.
    if event.appointment_id is not None:
        rescheduling.plan_windows_recheck(
            appointment_id=event.appointment_id, previous_start=event.previous_start
        )


def register() -> None:
    links.register()
    messages.register()
    rescheduling.register()
    plan_booking_check_register(plan_booking_check)
    data_contributor_register(privacy.CONTRIBUTOR)
    status_guard_register(procedure_status_guard)
    patient_record_section_register(
        key="care",
        title="Care plans and outcomes",
        render=record_section,
        visible=record_section_visible,
        order=50,
    )
    for name in (EventName.MOVED, EventName.CANCELLED, EventName.STATUS_CHANGED):
        subscribe(name, _procedure_changed)
    subscribe(EventName.MOVED, _step_moved)
