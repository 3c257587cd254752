"""The clinician's private calendar subscription: valid iCalendar, no patient details, updates
after a booking, cancellations as CANCELLED, a renewed (revoked) address answers 404."""

import pytest
from django.urls import reverse
from icalendar import Calendar

from booking.models import Appointment, CalendarFeed
from booking.patients.identity import ContactDetails
from booking.scheduling.booking import appointment_book
from booking.scheduling.calendar_feed import calendar_feed_current
from booking.scheduling.changes import appointment_cancel
from tests.booking.backoffice.conftest import at
from tests.factories import AppointmentFactory, next_weekday

pytestmark = pytest.mark.django_db


def _events(client, feed):
    response = client.get(reverse("booking:calendar_feed", args=[feed.token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return response.content.decode(), list(calendar.walk("VEVENT"))


def test_feed_updates_after_a_booking_and_shows_cancellations(client, frontdesk):
    feed = calendar_feed_current(practitioner=frontdesk["patel"])
    body, events = _events(client, feed)
    assert events == []
    day = next_weekday(1)
    visit = appointment_book(
        consultation_type=frontdesk["short"],
        start=at(day, 9),
        practitioner=frontdesk["patel"],
        contact=ContactDetails(full_name="Maria Gomez", email="maria@example.com"),
        source=Appointment.Source.PHONE,
        apply_patient_rules=False,
    )
    body, events = _events(client, feed)
    (event,) = events
    assert str(event["summary"]) == "Visit"
    assert event.decoded("dtstart") == at(day, 9)
    uid = str(event["uid"])
    for secret in ("Maria", "Gomez", "maria@example.com", "Follow-up", "knee", visit.reference):
        assert secret not in body
    appointment_cancel(
        appointment=visit,
        reason="ill",
        acting_user=None,
        source=Appointment.Source.ADMIN,
        apply_patient_rules=False,
    )
    body, (event,) = _events(client, feed)
    assert str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == uid  # stable: the calendar replaces the event
    assert int(event["sequence"]) >= 1


def test_other_practitioners_visits_are_not_in_the_feed(client, frontdesk):
    AppointmentFactory(
        consultation_type=frontdesk["short"],
        practitioner=frontdesk["okafor"],
        start=at(next_weekday(1), 9),
    )
    _, events = _events(client, calendar_feed_current(practitioner=frontdesk["patel"]))
    assert events == []


def test_initials_only_when_the_manager_allows_them(client, frontdesk):
    AppointmentFactory(
        consultation_type=frontdesk["short"],
        practitioner=frontdesk["patel"],
        start=at(next_weekday(1), 9),
        patient__full_name="Maria Gomez",
    )
    client.force_login(frontdesk["patel_user"])
    page = reverse("admin:booking_calendar_feed")
    client.post(page, {"action": "initials", "show": "1"})  # not the clinician's to decide
    feed = CalendarFeed.objects.get()
    assert feed.show_initials is False
    client.force_login(frontdesk["manager"])
    client.post(
        page + f"?practitioner={frontdesk['patel'].pk}", {"action": "initials", "show": "1"}
    )
    feed.refresh_from_db()
    assert feed.show_initials is True
    _, (event,) = _events(client, feed)
    assert str(event["summary"]) == "Visit (M. G.)"


def test_clinician_sees_own_address_and_renewing_revokes_the_old(client, frontdesk):
    client.force_login(frontdesk["patel_user"])
    page = reverse("admin:booking_calendar_feed")
    body = client.get(page).content.decode()
    old = CalendarFeed.objects.get(practitioner=frontdesk["patel"])
    assert old.token in body
    # Asking for another practitioner's feed by id shows one's own.
    body = client.get(page, {"practitioner": frontdesk["okafor"].pk}).content.decode()
    assert old.token in body
    client.post(page, {"action": "renew"})
    new = CalendarFeed.objects.get(practitioner=frontdesk["patel"], revoked_at__isnull=True)
    assert new.token != old.token
    assert client.get(reverse("booking:calendar_feed", args=[old.token])).status_code == 404
    assert client.get(reverse("booking:calendar_feed", args=[new.token])).status_code == 200


@pytest.mark.parametrize("token", ["x", "٣", "a" * 65, "../../etc/passwd"])
def test_unknown_feed_addresses_are_404(client, token):
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_reception_without_a_practitioner_sees_no_address(client, frontdesk):
    client.force_login(frontdesk["reception"])
    body = client.get(reverse("admin:booking_calendar_feed")).content.decode()
    assert "not linked to a practitioner" in body
    assert not CalendarFeed.objects.exists()
