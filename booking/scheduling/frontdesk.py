"""Selectors behind the front desk's schedule: which day "Today" means, what fits a free time,
and the chief complaint a clinician may see on a visit's block.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from booking.models import (
    Appointment,
    ClinicClosure,
    ConsultationType,
    Intake,
    Practitioner,
    WorkingHours,
)
from booking.patients.intake import intake_joint_labels
from booking.scheduling.selectors import available_slots
from booking.scheduling.slots import HoursRow

# How far "Today" looks for a working day (a clinic closed for a fortnight shows today).
WORKING_DAY_REACH = 21


def next_working_day(*, start: date, practitioners: list[Practitioner]) -> date:
    """`start` if anyone shown works that day and the clinic is open, else the next such day
    (Sunday's "Today" opens Monday). Two queries."""
    ids = [p.pk for p in practitioners]
    if not ids:
        return start
    last = start + timedelta(days=WORKING_DAY_REACH)
    hours = [
        HoursRow(*row)
        for row in WorkingHours.objects.filter(practitioner_id__in=ids).values_list(
            "weekday", "start_time", "end_time", "valid_from", "valid_until"
        )
    ]
    closures = list(
        ClinicClosure.objects.filter(start_date__lte=last, end_date__gte=start).values_list(
            "start_date", "end_date"
        )
    )
    day = start
    while day <= last:
        closed = any(first <= day <= end for first, end in closures)
        if not closed and any(row.applies_on(day) for row in hours):
            return day
        day += timedelta(days=1)
    return start


def consultation_types_fitting(
    *, practitioner: Practitioner, start: datetime
) -> list[ConsultationType]:
    """The active types the practitioner offers that can start at `start` (staff rules: no
    notice, no horizon): the booking form opened from free time offers only these."""
    day = start.date()
    fitting = []
    for ctype in practitioner.consultation_types.active().order_by("display_order", "name"):
        slots = available_slots(
            consultation_type=ctype,
            first_day=day,
            last_day=day,
            practitioner_id=practitioner.pk,
            enforce_notice_and_horizon=False,
        ).get(day, [])
        if any(slot.start == start for slot in slots):
            fitting.append(ctype)
    return fitting


@dataclass(frozen=True, slots=True)
class VisitNote:
    """What a clinician reads on a block: "Knee, 7/10", and whether the questionnaire is in."""

    complaint: str
    questionnaire_done: bool


def complaint_scope(*, user) -> set[int] | None:
    """Whose visits' health notes the user may read: None for every practitioner's (the
    manager), else the ids of their own practitioner rows (a clinician; empty for reception)."""
    if not user.has_perm("booking.view_health_details"):
        return set()
    if user.has_perm("booking.view_all_schedules"):
        return None
    return set(Practitioner.objects.filter(user=user).values_list("pk", flat=True))


def sees_complaint(*, user, appointment: Appointment, scope: set[int] | None = ...) -> bool:
    """Health details: the manager for every visit, a clinician for their own patients' visits,
    reception never."""
    if scope is ...:
        scope = complaint_scope(user=user)
    return scope is None or appointment.practitioner_id in scope


def visit_notes(*, user, appointments: list[Appointment]) -> dict[int, VisitNote]:
    """The notes the user may see, by appointment id, in two queries at most (none for
    reception)."""
    if not appointments:
        return {}
    scope = complaint_scope(user=user)
    visible = [a.pk for a in appointments if sees_complaint(user=user, appointment=a, scope=scope)]
    if not visible:
        return {}
    notes = {}
    for intake in Intake.objects.filter(appointment_id__in=visible, anonymised_at__isnull=True):
        parts = [intake_joint_labels(intake)]
        if intake.pain_score is not None:
            parts.append(f"{intake.pain_score}/10")
        notes[intake.appointment_id] = VisitNote(
            complaint=", ".join(p for p in parts if p),
            questionnaire_done=intake.questionnaire_completed_at is not None,
        )
    return notes
