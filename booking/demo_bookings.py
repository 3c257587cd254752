"""A few booked appointments for the demo, made through the real booking service."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from booking.messaging.sms.consent import SMS_CONSENT_VERSION
from booking.models import Appointment
from booking.patients.identity import ContactDetails
from booking.patients.intake import IntakeDetails
from booking.scheduling.booking import appointment_book
from booking.scheduling.selectors import available_slots

DEMO_PATIENTS = [
    ("Maria Gomez", "maria.gomez@example.com", "+14135550101", ["knee"]),
    ("James Miller", "james.miller@example.com", "+14135550102", ["hip"]),
    ("Aisha Brown", "aisha.brown@example.com", "+14135550103", ["shoulder"]),
    ("Tom Walsh", "tom.walsh@example.com", "+14135550104", ["knee", "ankle_foot"]),
]


def seed_bookings(types) -> None:
    if Appointment.objects.exists():
        return
    today = timezone.localdate()
    ctype = types["initial-consultation"]
    slots = available_slots(
        consultation_type=ctype,
        first_day=today,
        last_day=today + timedelta(days=7),
        enforce_notice_and_horizon=False,
    )
    now = timezone.now()
    picked = [s for day in sorted(slots) for s in slots[day][::7] if s.start > now][
        : len(DEMO_PATIENTS)
    ]
    for position, ((name, email, phone, joints), slot) in enumerate(
        zip(DEMO_PATIENTS, picked, strict=False)
    ):
        appointment_book(
            consultation_type=ctype,
            start=slot.start,
            contact=ContactDetails(full_name=name, email=email, phone=phone),
            intake=IntakeDetails(joints=joints),
            source=Appointment.Source.PHONE,
            apply_patient_rules=False,
            privacy_notice_version="2026-11",
            # Every other demo patient agreed to texts: their reminders land as files in
            # var/sms-outbox/ (SMS_OUTBOX_DIR) when they fall due.
            sms_consent_version=SMS_CONSENT_VERSION if position % 2 == 0 else "",
        )
