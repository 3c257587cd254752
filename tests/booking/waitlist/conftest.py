"""Fixtures of the waitlist: a type, a practitioner who works every weekday, entries made the
way the services make them, and a cancelled visit whose time is held."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from booking.models import ALL_DAY_PARTS, Appointment, WaitlistEntry
from booking.scheduling.changes import appointment_cancel
from tests.factories import (
    AppointmentFactory,
    ConsultationTypeFactory,
    PatientFactory,
    PractitionerFactory,
    next_weekday_at,
)


@pytest.fixture
def ctype():
    return ConsultationTypeFactory(slug="initial", name="Initial consultation")


@pytest.fixture
def doctor(ctype):
    return PractitionerFactory(display_name="Dr. Ada Reyes", consultation_types=[ctype])


@pytest.fixture
def slot():
    """Tuesday next week, 10:00 in the clinic's zone."""
    return next_weekday_at(10)


def make_entry(
    ctype,
    *,
    practitioner=None,
    patient=None,
    status="active",
    urgent=False,
    waited_days=1,
    **fields,
) -> WaitlistEntry:
    now = timezone.now()
    today = timezone.localdate()
    values = {
        "patient": patient or PatientFactory(),
        "consultation_type": ctype,
        "practitioner": practitioner,
        "earliest_date": today,
        "latest_date": today + timedelta(days=30),
        "weekdays": 0b1111111,
        "day_parts": ALL_DAY_PARTS,
        "status": status,
        "urgent": urgent,
        "confirmed_at": now - timedelta(days=waited_days) if status == "active" else None,
        "expires_at": now + timedelta(days=20),
    }
    values.update(fields)
    return WaitlistEntry.objects.create(**values)


@pytest.fixture
def entry_factory(ctype):
    return lambda **kw: make_entry(ctype, **kw)


@pytest.fixture
def cancel_visit(ctype, doctor, slot, django_capture_on_commit_callbacks):
    """Cancel a booked visit at `slot`; the on-commit callbacks (offers) run eagerly."""

    def cancel(start=None) -> Appointment:
        visit = AppointmentFactory(
            consultation_type=ctype, practitioner=doctor, start=start or slot
        )
        with django_capture_on_commit_callbacks(execute=True):
            appointment_cancel(appointment=visit, apply_patient_rules=False)
        return visit

    return cancel
