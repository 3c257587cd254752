"""iCalendar files for appointments: one builder for the emails and the download."""

from __future__ import annotations

from datetime import UTC

from django.utils import timezone
from icalendar import Calendar, Event

from booking.links.paths import manage_url
from booking.models import Appointment
from booking.profile import clinic_profile_get

# RFC 5545 VEVENT STATUS for each of ours. A request the clinic has not approved yet is only
# pencilled in (TENTATIVE); every status must be here, so a new one fails loudly in the tests.
ICS_STATUS = {
    Appointment.Status.REQUESTED: "TENTATIVE",
    Appointment.Status.CONFIRMED: "CONFIRMED",
    Appointment.Status.ARRIVED: "CONFIRMED",
    Appointment.Status.COMPLETED: "CONFIRMED",
    Appointment.Status.NO_SHOW: "CONFIRMED",
    Appointment.Status.CANCELLED: "CANCELLED",
}


def appointment_ics(appointment: Appointment) -> bytes:
    """A METHOD:PUBLISH calendar with one event; UID stable, SEQUENCE raised on every change.

    Times are written in UTC, which every calendar client reads the same way; the client shows
    them in its own zone. No health details: type, practitioner, place or video link, links.
    """
    profile = clinic_profile_get()
    ctype = appointment.consultation_type
    practitioner = appointment.practitioner
    video_url = practitioner.video_room_url if ctype.is_video else ""
    link = manage_url(appointment)

    cal = Calendar()
    cal.add("prodid", "-//Clinic//Appointments//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{appointment.reference}@clinic")
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", appointment.start.astimezone(UTC))
    event.add("dtend", appointment.end.astimezone(UTC))
    event.add("summary", f"{ctype.name} at {profile.name}")
    if video_url:
        event.add("location", video_url)
    else:
        event.add("location", ", ".join(line.strip() for line in profile.address.splitlines()))
    lines = [f"{ctype.name} with {practitioner}."]
    if video_url:
        lines.append(f"Join the video visit: {video_url}")
    lines.append(f"View, reschedule or cancel: {link}")
    if profile.phone:
        lines.append(f"Questions? Call {profile.phone}.")
    event.add("description", "\n".join(lines))
    event.add("url", link)
    event.add("status", ICS_STATUS[appointment.status])
    cal.add_component(event)
    return cal.to_ical()
