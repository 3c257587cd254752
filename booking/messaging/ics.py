"""iCalendar files for appointments: one builder for the emails and the download."""

from __future__ import annotations

from datetime import UTC

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from booking.links.paths import manage_url
from booking.models import Appointment, localized
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
    # Words in the active language: the ledger's reader's for an email, the page's for a
    # download (a private page shows the patient's language).
    language = {"LANGUAGE": translation.get_language()}  # RFC 5545 3.2.10
    summary = _("%(type)s at %(clinic)s") % {
        "type": localized(ctype, "name"),
        "clinic": profile.name,
    }
    event.add("summary", summary, parameters=language)
    if video_url:
        event.add("location", video_url)
    else:
        event.add("location", ", ".join(line.strip() for line in profile.address.splitlines()))
    lines = [
        _("%(type)s with %(practitioner)s.")
        % {"type": localized(ctype, "name"), "practitioner": practitioner}
    ]
    if video_url:
        lines.append(_("Join the video visit: %(url)s") % {"url": video_url})
    lines.append(_("View, reschedule or cancel: %(url)s") % {"url": link})
    if profile.phone:
        lines.append(_("Questions? Call %(phone)s.") % {"phone": profile.phone})
    event.add("description", "\n".join(lines), parameters=language)
    event.add("url", link)
    event.add("status", ICS_STATUS[appointment.status])
    cal.add_component(event)
    return cal.to_ical()
