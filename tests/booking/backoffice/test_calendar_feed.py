"""The clinician's private calendar subscription: valid iCalendar, no patient details, updates
after a booking, cancellations as CANCELLED, a renewed (revoked) address answers 404; the token
is stored only as a hash and shown once; the data migration hashes existing tokens."""

import hashlib
import re

import pytest
from django.urls import reverse
from icalendar import Calendar

from booking.models import Appointment, CalendarFeed
from booking.patients.identity import ContactDetails
from booking.scheduling.booking import appointment_book
from booking.scheduling.calendar_feed import calendar_feed_current, calendar_feed_renew
from booking.scheduling.changes import appointment_cancel
from tests.booking.backoffice.conftest import at
from tests.factories import AppointmentFactory, next_weekday

pytestmark = pytest.mark.django_db


def _events(client, token):
    response = client.get(reverse("booking:calendar_feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return response.content.decode(), list(calendar.walk("VEVENT"))


def test_feed_updates_after_a_booking_and_shows_cancellations(client, frontdesk):
    _, token = calendar_feed_renew(practitioner=frontdesk["patel"], acting_user=None)
    body, events = _events(client, token)
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
    body, events = _events(client, token)
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
    body, (event,) = _events(client, token)
    assert str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == uid  # stable: the calendar replaces the event
    assert int(event["sequence"]) >= 1


def test_other_practitioners_visits_are_not_in_the_feed(client, frontdesk):
    AppointmentFactory(
        consultation_type=frontdesk["short"],
        practitioner=frontdesk["okafor"],
        start=at(next_weekday(1), 9),
    )
    _, token = calendar_feed_renew(practitioner=frontdesk["patel"], acting_user=None)
    _, events = _events(client, token)
    assert events == []


def test_initials_only_when_the_manager_allows_them(client, frontdesk):
    AppointmentFactory(
        consultation_type=frontdesk["short"],
        practitioner=frontdesk["patel"],
        start=at(next_weekday(1), 9),
        patient__full_name="Maria Gomez",
    )
    feed, token = calendar_feed_renew(practitioner=frontdesk["patel"], acting_user=None)
    client.force_login(frontdesk["patel_user"])
    page = reverse("admin:booking_calendar_feed")
    client.post(page, {"action": "initials", "show": "1"})  # not the clinician's to decide
    feed.refresh_from_db()
    assert feed.show_initials is False
    client.force_login(frontdesk["manager"])
    client.post(
        page + f"?practitioner={frontdesk['patel'].pk}", {"action": "initials", "show": "1"}
    )
    feed.refresh_from_db()
    assert feed.show_initials is True
    _, (event,) = _events(client, token)
    assert str(event["summary"]) == "Visit (M. G.)"


def _shown_address(response) -> str | None:
    match = re.search(r'id="feed-url" readonly value="[^"]*/calendar/([^"/]+)\.ics"', response)
    return match.group(1) if match else None


def test_the_address_is_shown_once_and_renewing_revokes_the_old(client, frontdesk):
    client.force_login(frontdesk["patel_user"])
    page = reverse("admin:booking_calendar_feed")
    body = client.get(page).content.decode()
    assert "There is no address yet" in body
    assert not CalendarFeed.objects.exists()  # looking makes nothing
    made = client.post(page, {"action": "renew"})
    old = _shown_address(made.content.decode())
    assert made.status_code == 200
    assert "shown only this once" in made.content.decode()
    assert "no-store" in made["Cache-Control"]
    assert client.get(reverse("booking:calendar_feed", args=[old])).status_code == 200
    # Afterwards the page says an address is in use, and never shows it again.
    body = client.get(page).content.decode()
    assert old not in body
    assert _shown_address(body) is None
    assert "is in use" in body
    # Asking for another practitioner's feed by id shows one's own.
    body = client.get(page, {"practitioner": frontdesk["okafor"].pk}).content.decode()
    assert "Dr Patel: private calendar address" in body
    new = _shown_address(client.post(page, {"action": "renew"}).content.decode())
    assert new != old
    assert client.get(reverse("booking:calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("booking:calendar_feed", args=[new])).status_code == 200
    assert CalendarFeed.objects.filter(revoked_at__isnull=True).count() == 1


def test_the_database_keeps_only_a_hash_of_the_token(client, frontdesk):
    feed, token = calendar_feed_renew(practitioner=frontdesk["patel"], acting_user=None)
    feed.refresh_from_db()
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = [str(getattr(feed, f.attname)) for f in CalendarFeed._meta.concrete_fields]
    assert not any(token in value for value in stored)
    assert calendar_feed_current(practitioner=frontdesk["patel"]) == feed
    # What a copy of the database holds is not an address.
    assert client.get(reverse("booking:calendar_feed", args=[feed.token_hash])).status_code == 404
    assert client.get(reverse("booking:calendar_feed", args=[token])).status_code == 200


@pytest.mark.parametrize("token", ["x", "٣", "a" * 65, "../../etc/passwd"])
def test_unknown_feed_addresses_are_404(client, token):
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_reception_without_a_practitioner_sees_no_address(client, frontdesk):
    client.force_login(frontdesk["reception"])
    body = client.get(reverse("admin:booking_calendar_feed")).content.decode()
    assert "not linked to a practitioner" in body
    response = client.post(reverse("admin:booking_calendar_feed"), {"action": "renew"})
    assert response.status_code == 302
    assert not CalendarFeed.objects.exists()
