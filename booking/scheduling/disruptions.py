"""Which visits a change of the schedule (time off, a closure, new hours) would disrupt."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from booking.models import (  # noqa: E402
    Appointment,
    ClinicClosure,
    Practitioner,
    TimeOff,
    WorkingHours,
)
from booking.scheduling.clock import (
    clinic_zone,
    day_bounds,  # noqa: E402
)
from booking.scheduling.slots import (
    HoursRow,  # noqa: E402
    local_instant,
)


def appointments_disrupted_by_time_off(*, time_off: TimeOff) -> list[Appointment]:
    """Open visits of the practitioner that overlap this time off."""
    return list(
        Appointment.objects.filter(
            practitioner_id=time_off.practitioner_id,
            status__in=Appointment.OPEN_STATUSES,
            start__lt=time_off.end,
            end__gt=time_off.start,
        )
        .select_related("consultation_type", "patient", "practitioner")
        .order_by("start")
    )


def appointments_disrupted_by_closure(*, closure: ClinicClosure) -> list[Appointment]:
    """Open visits on the closed days (local dates, first and last inclusive)."""
    start, end = day_bounds(closure.start_date, closure.end_date, clinic_zone())
    return list(
        Appointment.objects.filter(
            status__in=Appointment.OPEN_STATUSES, start__lt=end, end__gt=start
        )
        .select_related("consultation_type", "patient", "practitioner")
        .order_by("start")
    )


def appointments_outside_hours(
    *, practitioner: Practitioner, now: datetime | None = None
) -> list[Appointment]:
    """The practitioner's future open visits that no working-hours interval covers any more
    (all of them once the practitioner is made inactive)."""
    tz = clinic_zone()
    rows = [
        HoursRow(*row)
        for row in WorkingHours.objects.filter(practitioner=practitioner).values_list(
            "weekday", "start_time", "end_time", "valid_from", "valid_until"
        )
    ]
    orphans = []
    for appointment in (
        Appointment.objects.filter(
            practitioner=practitioner,
            status__in=Appointment.OPEN_STATUSES,
            start__gte=now or timezone.now(),
        )
        .select_related("consultation_type", "patient")
        .order_by("start")
    ):
        day = appointment.start.astimezone(tz).date()
        covered = practitioner.active and any(
            row.applies_on(day)
            and local_instant(day, row.start, tz) <= appointment.start
            and appointment.end <= local_instant(day, row.end, tz)
            for row in rows
        )
        if not covered:
            orphans.append(appointment)
    return orphans
