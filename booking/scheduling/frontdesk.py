"""Selectors behind the front desk's schedule: which day "Today" means, what fits a free time,
why a time cannot take a visit, and the chief complaint a clinician may see on a visit's block.
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
    TimeOff,
    WorkingHours,
)
from booking.patients.intake import intake_joint_labels
from booking.profile import clinic_profile_get
from booking.scheduling.clock import clinic_zone
from booking.scheduling.guards import occupied
from booking.scheduling.loader import rules_for
from booking.scheduling.selectors import available_slots
from booking.scheduling.slots import HoursRow, local_instant

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


def move_refusal_reason(
    *, appointment: Appointment, practitioner: Practitioner, start: datetime, now: datetime
) -> str:
    """Why the schedule has no room for `appointment` at `start` with `practitioner`, in words
    staff can act on. Asked only after the reschedule service refused the time (it decides;
    this explains), so a move that works costs nothing here."""
    tz = clinic_zone()
    ctype = appointment.consultation_type
    visit_end, busy_from, busy_until = occupied(ctype, start)
    duration = visit_end - start
    local, end = start.astimezone(tz), visit_end.astimezone(tz)
    day, name, when = local.date(), practitioner.display_name, f"{local:%A %d %B}"
    if start < now:
        return "That time has passed: choose a later one."
    if ClinicClosure.objects.filter(start_date__lte=day, end_date__gte=day).exists():
        return f"The clinic is closed on {when}."
    rows = sorted(
        (
            row
            for row in (
                HoursRow(*values)
                for values in WorkingHours.objects.filter(practitioner=practitioner).values_list(
                    "weekday", "start_time", "end_time", "valid_from", "valid_until"
                )
            )
            if row.applies_on(day)
        ),
        key=lambda row: row.start,
    )
    if not rows:
        return f"{name} does not work on {when}."
    opens = [
        local_instant(day, row.start, tz)
        for row in rows
        if local_instant(day, row.start, tz) <= start
        and start + duration <= local_instant(day, row.end, tz)
    ]
    if not opens:
        hours = ", ".join(f"{row.start:%H:%M}–{row.end:%H:%M}" for row in rows)
        return (
            f"{local:%H:%M}–{end:%H:%M} is outside {name}'s hours on {when} ({hours}): "
            "choose a time inside them."
        )
    step = rules_for(ctype, clinic_profile_get()).granularity
    if all((start - opened) % step for opened in opens):
        minutes = int(step.total_seconds() // 60)
        return (
            f"{ctype.name} visits start every {minutes} minutes from the start of {name}'s "
            f"hours ({opens[0].astimezone(tz):%H:%M}); {local:%H:%M} is not one of them."
        )
    if TimeOff.objects.filter(
        practitioner=practitioner, start__lt=busy_until, end__gt=busy_from
    ).exists():
        return f"{name} is away then (time off): choose another time or practitioner."
    return (
        f"That time is taken: {name} has another visit, or time held for the waitlist, at "
        f"{local:%H:%M} on {when}. Choose a free time in the schedule."
    )


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
