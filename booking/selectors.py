"""Reads with real logic: availability, bookable days, pipeline health.

The pages, the admin and the JSON endpoint all ask for availability here, so they always agree.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from booking.availability import (
    Slot,
    clinic_zone,
    compute_slots,
    load_schedule,
    rules_for,
)
from booking.models import ClinicProfile, ConsultationType, TaskHeartbeat

SCAN_HEARTBEAT = "scan_due_messages"


def clinic_profile_get() -> ClinicProfile:
    """The clinic profile (row pk=1, created with defaults by a migration)."""
    profile = ClinicProfile.objects.filter(pk=1).first()
    if profile is None:
        profile, _ = ClinicProfile.objects.get_or_create(
            pk=1,
            defaults={
                "name": "Clinic",
                "address": "",
                "phone": "",
                "email": "clinic@example.com",
                "opening_hours": "",
            },
        )
    return profile


def consultation_type_list_active():
    return ConsultationType.objects.active()


def available_slots(
    *,
    consultation_type: ConsultationType,
    first_day: date,
    last_day: date,
    practitioner_id: int | None = None,
    now: datetime | None = None,
    enforce_notice_and_horizon: bool = True,
    exclude_appointment_id: int | None = None,
    first_per_day: bool = False,
    profile: ClinicProfile | None = None,
) -> dict[date, list[Slot]]:
    """Free slots per local day between two dates (inclusive), for one or any practitioner."""
    profile = profile or clinic_profile_get()
    schedule = load_schedule(
        consultation_type=consultation_type,
        first_day=first_day,
        last_day=last_day,
        practitioner_id=practitioner_id,
        exclude_appointment_id=exclude_appointment_id,
    )
    return compute_slots(
        schedule=schedule,
        duration=timedelta(minutes=consultation_type.duration_minutes),
        buffer_before=timedelta(minutes=consultation_type.buffer_before_minutes),
        buffer_after=timedelta(minutes=consultation_type.buffer_after_minutes),
        rules=rules_for(consultation_type, profile),
        now=now or timezone.now(),
        first_day=first_day,
        last_day=last_day,
        tz=clinic_zone(),
        enforce_notice_and_horizon=enforce_notice_and_horizon,
        first_per_day=first_per_day,
    )


def booking_window(
    *, consultation_type: ConsultationType, profile: ClinicProfile, now: datetime | None = None
) -> tuple[date, date]:
    """The first and last local days on which a patient could book this type."""
    now = now or timezone.now()
    rules = rules_for(consultation_type, profile)
    tz = clinic_zone()
    return (now + rules.min_notice).astimezone(tz).date(), (now + rules.horizon).astimezone(
        tz
    ).date()


def bookable_days(
    *,
    consultation_type: ConsultationType,
    first_day: date,
    last_day: date,
    practitioner_id: int | None = None,
    now: datetime | None = None,
) -> set[date]:
    """The local days in a range with at least one free slot (e.g. for a month view)."""
    profile = clinic_profile_get()
    window_first, window_last = booking_window(
        consultation_type=consultation_type, profile=profile, now=now
    )
    first_day, last_day = max(first_day, window_first), min(last_day, window_last)
    if first_day > last_day:
        return set()
    slots = available_slots(
        consultation_type=consultation_type,
        first_day=first_day,
        last_day=last_day,
        practitioner_id=practitioner_id,
        now=now,
        first_per_day=True,
        profile=profile,
    )
    return set(slots)


def next_available(
    *,
    consultation_type: ConsultationType,
    practitioner_id: int | None = None,
    now: datetime | None = None,
) -> Slot | None:
    """The earliest free slot within the booking horizon, or None."""
    profile = clinic_profile_get()
    first_day, last_day = booking_window(
        consultation_type=consultation_type, profile=profile, now=now
    )
    # One load over the whole window (a fixed number of queries); first_per_day keeps the
    # sweep to one slot per practitioner and day.
    slots = available_slots(
        consultation_type=consultation_type,
        first_day=first_day,
        last_day=last_day,
        practitioner_id=practitioner_id,
        now=now,
        first_per_day=True,
        profile=profile,
    )
    return slots[min(slots)][0] if slots else None


def reminder_pipeline_fresh(now: datetime | None = None) -> bool:
    """False when the periodic scan has not run for three intervals (beat or worker stalled)."""
    last = (
        TaskHeartbeat.objects.filter(name=SCAN_HEARTBEAT)
        .values_list("last_run_at", flat=True)
        .first()
    )
    if last is None:
        return True  # never run yet: a fresh install before beat's first tick
    limit = timedelta(seconds=3 * settings.REMINDER_SCAN_INTERVAL_SECONDS)
    return (now or timezone.now()) - last <= limit
