"""The waitlist's pages in Spanish (issue 17): joining under /es/ stores Spanish on the entry;
the entry's private pages follow the entry's language; the switch on each form page shows the
form again as typed and does nothing (nobody joins, confirms, changes, leaves or takes a time,
no email goes)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from booking.links.tokens import manage_token
from booking.models import Appointment, OutboundMessage, WaitlistEntry, WaitlistOffer
from booking.waitlist.links import entry_token
from clinic import dates
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

SPANISH = '<html lang="es">'
ENGLISH = '<html lang="en">'


@pytest.fixture(autouse=True)
def _english_around(settings):
    """Requests leave their language active in this thread: reset it around each test."""
    settings.BOOKING_RATE_LIMIT = 1000
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


def es(name: str, *args) -> str:
    with translation.override("es"):
        return reverse(name, args=args)


def wishes(**overrides) -> dict:
    today = timezone.localdate()
    data = {
        "practitioner": "any",
        "earliest_date": today.isoformat(),
        "latest_date": (today + timedelta(days=20)).isoformat(),
        "weekdays": ["1", "3"],
        "day_parts": ["2"],
    }
    data.update(overrides)
    return data


def join_data(**overrides) -> dict:
    data = wishes(full_name="Lucía Fernández", email="lucia@example.com", phone="")
    data.update(overrides)
    return data


def spanish_entry(entry_factory, **fields) -> WaitlistEntry:
    entry = entry_factory(language="es", **fields)
    entry.patient.language = "es"
    entry.patient.save(update_fields=["language"])
    return entry


# --- Joining -------------------------------------------------------------------------------


def test_the_join_page_under_es_is_spanish(client, ctype, doctor):
    response = client.get(es("booking:waitlist_join", ctype.slug))
    body = response.content.decode()
    assert response.status_code == 200
    assert SPANISH in body
    assert 'id="waitlist-join-form"' in body
    assert 'form="waitlist-join-form"' in body


def test_joining_in_spanish_stores_spanish_on_the_entry(
    client, ctype, doctor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(es("booking:waitlist_join", ctype.slug), join_data())
    assert response.status_code == 201
    assert SPANISH in response.content.decode()
    entry = WaitlistEntry.objects.get()
    assert entry.language == "es"
    assert entry.patient.language == "es"


def test_switching_on_the_join_page_keeps_what_was_typed_and_joins_nobody(
    client, ctype, doctor, mailoutbox
):
    typed = join_data(email="not-an-address", _language="es")
    response = client.post(es("booking:waitlist_join", ctype.slug), typed)
    body = response.content.decode()
    assert response.status_code == 200
    assert SPANISH in body
    assert 'value="Lucía Fernández"' in body
    assert 'value="not-an-address"' in body
    assert "error-summary" not in body
    assert not WaitlistEntry.objects.exists()
    assert mailoutbox == []


def test_a_booked_patient_joins_from_the_visit_link_in_their_language(client, ctype, doctor, slot):
    visit = AppointmentFactory(
        consultation_type=ctype, practitioner=doctor, start=slot + timedelta(days=14)
    )
    visit.patient.language = "es"
    visit.patient.save(update_fields=["language"])
    page = reverse("booking:waitlist_join_booked", args=[manage_token(visit)])
    body = client.get(page).content.decode()
    assert SPANISH in body
    assert 'form="waitlist-join-form"' in body

    response = client.post(page, wishes(day_parts=["4"], _language="en"))
    body = response.content.decode()
    assert response.status_code == 200
    assert ENGLISH in body
    assert re.search(r'value="4"\s+id="id_day_parts_\d"[^>]*checked', body)
    assert not re.search(r'value="1"\s+id="id_day_parts_\d"[^>]*checked', body)
    assert not WaitlistEntry.objects.exists()
    visit.patient.refresh_from_db()
    assert visit.patient.language == "en"


# --- The entry's private pages -------------------------------------------------------------


@pytest.mark.parametrize("name", ["waitlist_manage", "waitlist_confirm"])
def test_the_entrys_pages_follow_the_entrys_language(client, entry_factory, name):
    entry = spanish_entry(entry_factory, status="pending")
    response = client.get(reverse(f"booking:{name}", args=[entry_token(entry)]))
    body = response.content.decode()
    assert response.status_code == 200
    assert SPANISH in body
    with translation.override("es"):
        assert dates.formatted(entry.latest_date, "long_date") in body


def test_switching_on_the_confirm_page_confirms_nothing(client, entry_factory):
    entry = spanish_entry(entry_factory, status="pending")
    page = reverse("booking:waitlist_confirm", args=[entry_token(entry)])
    assert 'form="waitlist-confirm-form"' in client.get(page).content.decode()
    # The form holds nothing but its button: a bare switch, redirected to the page itself.
    response = client.post(page, {"_language": "en"})
    assert response.status_code == 303
    assert response["Location"] == page
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.PENDING
    assert entry.language == "en"
    assert ENGLISH in client.get(page).content.decode()


def test_a_confirmed_entrys_confirm_page_has_no_form_for_the_switch(client, entry_factory):
    entry = spanish_entry(entry_factory, status="active")
    body = client.get(
        reverse("booking:waitlist_confirm", args=[entry_token(entry)])
    ).content.decode()
    assert "waitlist-confirm-form" not in body
    assert 'name="_language"' in body


def test_switching_on_the_manage_page_keeps_the_wishes_and_changes_nothing(client, entry_factory):
    entry = spanish_entry(entry_factory)
    page = reverse("booking:waitlist_manage", args=[entry_token(entry)])
    assert 'form="waitlist-wishes-form"' in client.get(page).content.decode()
    before = (entry.weekdays, entry.day_parts)

    response = client.post(page, wishes(day_parts=["4"], weekdays=[], _language="en"))
    body = response.content.decode()
    assert response.status_code == 200
    assert ENGLISH in body
    assert "error-summary" not in body  # no weekday ticked: not an error, not a submission
    entry.refresh_from_db()
    assert (entry.weekdays, entry.day_parts) == before
    assert entry.language == "en"
    assert entry.patient.language == "en"


def test_a_switch_that_lands_on_leave_leaves_nothing(client, entry_factory):
    entry = spanish_entry(entry_factory)
    leave = reverse("booking:waitlist_leave", args=[entry_token(entry)])
    manage_page = reverse("booking:waitlist_manage", args=[entry_token(entry)])
    # A bare switch is sent back to the address it came to; a GET there shows the entry.
    response = client.post(leave, {"_language": "en"}, follow=True)
    assert response.redirect_chain[-1][0] == manage_page
    assert response.status_code == 200
    # A switch carrying other fields reaches the view, which does not leave either.
    response = client.post(leave, {"_language": "es", "practitioner": "any"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.ACTIVE
    # Leaving itself still works.
    client.post(leave)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.LEFT


def test_the_offer_page_in_spanish_and_a_switch_takes_nothing(
    client, entry_factory, cancel_visit, slot, mailoutbox
):
    entry = spanish_entry(entry_factory)
    cancel_visit()
    offer = WaitlistOffer.objects.get(entry=entry)
    page = reverse("booking:waitlist_offer", args=[entry_token(entry), offer.pk])
    body = client.get(page).content.decode()
    assert SPANISH in body
    assert 'form="waitlist-offer-form"' in body
    assert "10:00 a. m." in body
    with translation.override("es"):
        assert dates.formatted(slot, "day_year") in body
    sent_before = len(mailoutbox)
    messages_before = OutboundMessage.objects.count()
    booked_before = Appointment.objects.filter(status=Appointment.Status.CONFIRMED).count()

    response = client.post(page, {"_language": "en"}, follow=True)
    assert ENGLISH in response.content.decode()
    assert "Take this time" in response.content.decode()
    response = client.post(page, {"_language": "es", "note": "x"})
    assert response.status_code == 200
    assert SPANISH in response.content.decode()
    offer.refresh_from_db()
    assert offer.status == WaitlistOffer.Status.OPEN
    assert Appointment.objects.filter(status=Appointment.Status.CONFIRMED).count() == booked_before
    assert OutboundMessage.objects.count() == messages_before
    assert len(mailoutbox) == sent_before
