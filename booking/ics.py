"""iCalendar files for appointments: one builder for the emails and the download."""

from __future__ import annotations

from icalendar import Calendar, Event

from booking.links import manage_url
from booking.models import Appointment


def appointment_ics(appointment: Appointment) -> bytes:
    """A METHOD:PUBLISH calendar with one event; UID stable, SEQUENCE raised on every change."""
    cal = Calendar()
    cal.add("prodid", "-//Clinic//Appointments//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{appointment.reference}@clinic")
    event.add("sequence", appointment.sequence)
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    event.add("summary", appointment.consultation_type.name)
    event.add("url", manage_url(appointment))
    event.add(
        "status",
        "CANCELLED" if appointment.status == Appointment.Status.CANCELLED else "CONFIRMED",
    )
    cal.add_component(event)
    return cal.to_ical()
