"""Checks shared by booking and rescheduling: occupied time, practitioner locks, who is free."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import connection

from booking.models import (
    Appointment,
    ConsultationType,
    Practitioner,
)
from booking.scheduling.clock import clinic_zone
from booking.scheduling.selectors import available_slots

Status = Appointment.Status


def occupied(
    consultation_type: ConsultationType, start: datetime
) -> tuple[datetime, datetime, datetime]:
    end = start + timedelta(minutes=consultation_type.duration_minutes)
    return (
        end,
        start - timedelta(minutes=consultation_type.buffer_before_minutes),
        end + timedelta(minutes=consultation_type.buffer_after_minutes),
    )


def lock_practitioners(practitioner_ids: list[int]) -> None:
    """Serialise bookings per practitioner, late, right before the capacity check.

    On PostgreSQL a row lock makes a concurrent loser wait and then see the winner's row, so it
    gets a clean "slot taken" instead of a constraint violation. SQLite's IMMEDIATE transactions
    already serialise writers.
    """
    if connection.vendor == "postgresql" and practitioner_ids:
        list(
            Practitioner.objects.select_for_update()
            .filter(pk__in=practitioner_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def free_practitioners_at(
    *,
    consultation_type: ConsultationType,
    start: datetime,
    practitioner_id: int | None,
    apply_patient_rules: bool,
    now: datetime,
    exclude_appointment_id: int | None = None,
    hold_id: int | None = None,
) -> list[int]:
    """Who is free at exactly `start`. Patients (`apply_patient_rules`) are kept out of waitlist
    holds except the one they are taking (`hold_id`); staff book through holds (and are warned
    by their page)."""
    day = start.astimezone(clinic_zone()).date()
    slots = available_slots(
        consultation_type=consultation_type,
        first_day=day,
        last_day=day,
        practitioner_id=practitioner_id,
        now=now,
        enforce_notice_and_horizon=apply_patient_rules,
        exclude_appointment_id=exclude_appointment_id,
        include_holds=apply_patient_rules,
        exclude_hold_id=hold_id,
    )
    # Compared in UTC: two datetimes of one zone compare by wall clock, so on the fall-back
    # day 01:30 EDT would equal 01:30 EST.
    wanted = start.astimezone(UTC)
    return [
        slot.practitioner_id for slot in slots.get(day, []) if slot.start.astimezone(UTC) == wanted
    ]


def candidate_practitioner_ids(
    consultation_type: ConsultationType, practitioner: Practitioner | None
) -> list[int]:
    if practitioner is not None:
        return [practitioner.pk]
    return list(
        Practitioner.objects.filter(active=True, consultation_types=consultation_type).values_list(
            "pk", flat=True
        )
    )


def choose_practitioner(free_ids: list[int], *, start: datetime) -> int:
    """For "any practitioner": the one with the fewest visits that day, so work is shared."""
    day_start = start.astimezone(clinic_zone()).replace(hour=0, minute=0, second=0, microsecond=0)
    counts = dict.fromkeys(free_ids, 0)
    for pid in (
        Appointment.objects.filter(
            practitioner_id__in=free_ids,
            start__gte=day_start,
            start__lt=day_start + timedelta(days=1),
        )
        .exclude(status=Status.CANCELLED)
        .values_list("practitioner_id", flat=True)
    ):
        counts[pid] += 1
    return min(free_ids, key=lambda pid: (counts[pid], pid))
