"""Issue 12, item 18: staff read one date format and phone numbers as people write them, on every
back-office page that shows a visit or a patient."""

import re
from datetime import datetime, time

import pytest
from django.urls import reverse

from booking.backoffice.roles import MANAGER
from booking.scheduling.clock import clinic_zone
from clinic.templatetags.phones import phone
from tests.factories import (
    AppointmentFactory,
    OutboundMessageFactory,
    PatientFactory,
    StaffUserFactory,
    next_weekday,
)

pytestmark = pytest.mark.django_db

E164 = re.compile(r"\+1\d{10}")
ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d \d\d:\d\d\b")
LOCALE_DATETIME = re.compile(r"\b[A-Z][a-z]{2}\.? \d{1,2}, 20\d\d, \d{1,2}:\d\d [ap]\.m\.")


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+14135550101", "(413) 555-0101"),
        ("+442079460958", "+44 20 7946 0958"),
        ("", ""),
        (None, ""),
        ("not a number", "not a number"),
    ],
)
def test_phone_is_national_at_home_and_international_abroad(stored, shown):
    assert phone(stored) == shown


@pytest.fixture
def visit():
    day = next_weekday(2)
    patient = PatientFactory(full_name="Maria Gomez", phone="+14135550101")
    appointment = AppointmentFactory(
        patient=patient,
        contact_phone="+14135550101",
        start=datetime.combine(day, time(10), tzinfo=clinic_zone()),
    )
    OutboundMessageFactory(appointment=appointment)
    return appointment


def _pages(visit):
    day = visit.start.astimezone(clinic_zone()).date().isoformat()
    return [
        reverse("admin:booking_patient_changelist"),
        reverse("admin:booking_appointment_change", args=[visit.pk]),
        reverse("admin:booking_appointment_changelist"),
        reverse("admin:booking_schedule_print") + f"?date={day}",
    ]


def test_staff_pages_show_phones_nationally_and_one_date_format(client, visit):
    client.force_login(StaffUserFactory(role=MANAGER))
    for url in _pages(visit):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not E164.search(html.replace('value="+14135550101"', "")), url
        assert not ISO_DATE.search(html), url
        assert not LOCALE_DATETIME.search(html), url
    change = client.get(_pages(visit)[1]).content.decode()
    assert "(413) 555-0101" in change
