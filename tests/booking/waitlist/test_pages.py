"""The patient's waitlist pages: join, confirm by email, see / change / leave, take an offer."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.links.tokens import manage_token
from booking.models import WaitlistEntry, WaitlistOffer
from booking.waitlist.links import entry_token
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _generous(settings):
    settings.BOOKING_RATE_LIMIT = 1000


def join_data(**overrides):
    today = timezone.localdate()
    data = {
        "full_name": "Wanda Wait",
        "email": "wanda@example.com",
        "phone": "",
        "practitioner": "any",
        "earliest_date": today.isoformat(),
        "latest_date": (today + timedelta(days=20)).isoformat(),
        "weekdays": ["0", "1", "2"],
        "day_parts": ["1", "2"],
    }
    data.update(overrides)
    return data


def test_join_page_says_call_the_clinic_or_911(client, ctype, doctor):
    page = client.get(reverse("booking:waitlist_join", args=[ctype.slug]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Severe or new symptoms? Call the clinic." in text
    assert "call 911" in text


def test_join_then_confirm_from_the_email(
    client, ctype, doctor, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("booking:waitlist_join", args=[ctype.slug]), join_data())
    assert response.status_code == 201
    entry = WaitlistEntry.objects.get()
    assert entry.status == "pending"
    assert entry.weekdays == 0b111
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    confirm_path = re.search(r"https?://[^/\s]+(/waitlist/\S+/confirm/)", body).group(1)

    assert client.get(confirm_path).status_code == 200
    entry.refresh_from_db()
    assert entry.status == "pending"  # a GET (a mail scanner) confirms nothing
    client.post(confirm_path)
    entry.refresh_from_db()
    assert entry.status == "active"
    assert entry.confirmed_at is not None


def test_a_patient_holds_at_most_the_clinic_limit(client, ctype, doctor):
    url = reverse("booking:waitlist_join", args=[ctype.slug])
    assert client.post(url, join_data()).status_code == 201
    assert client.post(url, join_data()).status_code == 201
    third = client.post(url, join_data())
    assert third.status_code == 400
    assert "as many times as we allow" in third.content.decode()
    assert WaitlistEntry.objects.count() == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("earliest_date", "not-a-date"),
        ("latest_date", "2001-01-01"),
        ("latest_date", "9999-12-31"),
        ("earliest_date", "99999-01-01"),
        ("weekdays", ["9"]),
        ("weekdays", []),
        ("day_parts", ["3"]),
        ("day_parts", []),
        ("practitioner", "999999"),
        ("practitioner", "x" * 500),
        ("email", "nope"),
        ("full_name", "   "),
    ],
)
def test_bad_input_is_a_form_error_never_a_500(client, ctype, doctor, field, value):
    response = client.post(
        reverse("booking:waitlist_join", args=[ctype.slug]), join_data(**{field: value})
    )
    assert response.status_code == 400
    assert not WaitlistEntry.objects.exists()


def test_manage_change_and_leave(client, entry_factory):
    entry = entry_factory()
    url = reverse("booking:waitlist_manage", args=[entry_token(entry)])
    assert client.get(url).status_code == 200
    data = join_data()
    for name in ("full_name", "email", "phone"):
        data.pop(name)
    data["day_parts"] = ["4"]
    assert client.post(url, data).status_code == 302
    entry.refresh_from_db()
    assert entry.day_parts == 4

    client.post(reverse("booking:waitlist_leave", args=[entry_token(entry)]))
    entry.refresh_from_db()
    assert entry.status == "left"


@pytest.mark.parametrize("name", ["waitlist_manage", "waitlist_confirm"])
def test_tampered_or_revoked_links_open_nothing(client, entry_factory, name):
    entry = entry_factory()
    token = entry_token(entry)
    tampered = token[:-1] + ("1" if token[-1] == "0" else "0")
    assert client.get(reverse(f"booking:{name}", args=[tampered])).status_code == 404
    WaitlistEntry.objects.filter(pk=entry.pk).update(link_version=2)
    assert client.get(reverse(f"booking:{name}", args=[token])).status_code == 404
    assert client.get(reverse(f"booking:{name}", args=["a." + "0" * 64])).status_code == 404


def test_offer_page_take_and_just_taken(client, entry_factory, cancel_visit, slot):
    first, second = entry_factory(waited_days=3), entry_factory(waited_days=2)
    cancel_visit()
    offer_one = WaitlistOffer.objects.get(entry=first)
    offer_two = WaitlistOffer.objects.get(entry=second)
    url_one = reverse("booking:waitlist_offer", args=[entry_token(first), offer_one.pk])
    url_two = reverse("booking:waitlist_offer", args=[entry_token(second), offer_two.pk])
    assert "Take this time" in client.get(url_one).content.decode()

    taken = client.post(url_one)
    assert taken.status_code == 302

    late = client.post(url_two)
    assert late.status_code == 409
    assert "This time has just been taken; you are still on the list." in late.content.decode()
    # Another entry's offer through this link: nothing.
    wrong = reverse("booking:waitlist_offer", args=[entry_token(first), offer_two.pk])
    assert client.get(wrong).status_code == 404


def test_a_booked_patient_joins_from_the_visit_link(client, ctype, doctor, slot):
    visit = AppointmentFactory(
        consultation_type=ctype, practitioner=doctor, start=slot + timedelta(days=14)
    )
    url = reverse("booking:waitlist_join_booked", args=[manage_token(visit)])
    assert client.get(url).status_code == 200
    data = join_data()
    for name in ("full_name", "email", "phone"):
        data.pop(name)
    assert client.post(url, data).status_code == 201
    entry = WaitlistEntry.objects.get()
    assert (entry.appointment_id, entry.patient_id) == (visit.pk, visit.patient_id)


def test_the_time_picker_links_to_the_waitlist(client, ctype, doctor):
    page = client.get(reverse("booking:choose_time", args=[ctype.slug]))
    assert reverse("booking:waitlist_join", args=[ctype.slug]) in page.content.decode()
