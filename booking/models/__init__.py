"""The booking app's models, one module per aggregate, re-exported here.

The app label stays `booking` and every migration keeps importing from `booking.models`.
Writes go through the services in booking/scheduling/ and booking/patients/; the models hold no
business logic beyond derived values.
"""

from booking.models.appointments import Appointment, PrivacyAcknowledgement, new_reference
from booking.models.audit import AuditEvent
from booking.models.clinic import ClinicProfile, Joint, validate_reminder_offsets
from booking.models.feeds import CalendarFeed
from booking.models.links import LinkRequest, ShortLink
from booking.models.localized import localized, localized_language, localized_pending
from booking.models.messages import OutboundMessage, TaskHeartbeat
from booking.models.patients import Intake, Patient, PatientDuplicateFlag
from booking.models.schedule import (
    ClinicClosure,
    ConsultationType,
    ConsultationTypeQuerySet,
    Practitioner,
    TimeOff,
    WorkingHours,
)
from booking.models.texts import InboundText
from booking.models.waitlist import (
    ALL_DAY_PARTS,
    ALL_WEEKDAYS,
    DayPart,
    WaitlistEntry,
    WaitlistHold,
    WaitlistOffer,
)

__all__ = [
    "ALL_DAY_PARTS",
    "ALL_WEEKDAYS",
    "DayPart",
    "WaitlistEntry",
    "WaitlistHold",
    "WaitlistOffer",
    "Appointment",
    "InboundText",
    "AuditEvent",
    "CalendarFeed",
    "ClinicClosure",
    "ClinicProfile",
    "ConsultationType",
    "ConsultationTypeQuerySet",
    "Intake",
    "Joint",
    "LinkRequest",
    "OutboundMessage",
    "Patient",
    "PrivacyAcknowledgement",
    "PatientDuplicateFlag",
    "Practitioner",
    "ShortLink",
    "TaskHeartbeat",
    "TimeOff",
    "WorkingHours",
    "localized",
    "localized_language",
    "localized_pending",
    "new_reference",
    "validate_reminder_offsets",
]
