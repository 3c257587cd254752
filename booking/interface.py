"""What other apps (education, care) may use of booking, and nothing else.

The import contracts in pyproject.toml hold every app but booking itself and `clinic` (the
project, which wires the apps together) to this module: booking's rooms can then be rearranged
without touching its neighbours. Add a name here only when another app needs it, and keep it to
stable things: choices, models other apps point at, read-only selectors, and the seams (events,
plan-only checks, private-link subjects, message kinds, status guards) apps plug into.
"""

from __future__ import annotations

from booking.events import AppointmentEvent, EventName, subscribe
from booking.links.paths import absolute
from booking.links.tokens import (
    link_expired,
    link_subject_for_token,
    link_subject_register,
    link_token,
)
from booking.messaging.kinds import message_kind_register
from booking.messaging.ledger import message_enqueue
from booking.models import (
    Appointment,
    ClinicProfile,
    ConsultationType,
    Joint,
    OutboundMessage,
    Patient,
    Practitioner,
    localized,
)
from booking.patients.contributors import DataContributor, data_contributor_register
from booking.patients.identity import ContactDetails
from booking.patients.record_sections import patient_record_section_register
from booking.profile import clinic_profile_get
from booking.scheduling.booking import appointment_book
from booking.scheduling.clock import clinic_zone
from booking.scheduling.errors import BookingError
from booking.scheduling.policies import (
    PlanBookingRequest,
    StatusChangeRequest,
    plan_booking_check_register,
    status_guard_register,
)
from booking.scheduling.selectors import available_slots

__all__ = [
    "Appointment",
    "AppointmentEvent",
    "BookingError",
    "ClinicProfile",
    "ConsultationType",
    "ContactDetails",
    "DataContributor",
    "EventName",
    "Joint",
    "OutboundMessage",
    "Patient",
    "PlanBookingRequest",
    "Practitioner",
    "StatusChangeRequest",
    "absolute",
    "appointment_book",
    "available_slots",
    "clinic_profile_get",
    "clinic_zone",
    "data_contributor_register",
    "link_expired",
    "link_subject_for_token",
    "link_subject_register",
    "link_token",
    "localized",
    "message_enqueue",
    "message_kind_register",
    "patient_record_section_register",
    "plan_booking_check_register",
    "status_guard_register",
    "subscribe",
]
