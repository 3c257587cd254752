"""A patient whose language is Spanish gets every email and calendar file in Spanish through the
ledger, whatever language staff work in; the clinic's own notices stay English.

Until the catalogue is translated, the words are checked with pseudo-Spanish (tests/pseudo.py:
every marked string comes out wrapped, so an unmarked English word is caught now), and the dates,
which Django's own catalogue already translates, are checked for real.
"""

from __future__ import annotations

import email
import re
from datetime import datetime
from email import policy

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from booking.links.tokens import manage_token
from booking.management.commands.seed_demo import CLINIC_TEXTS_ES
from booking.messaging.compose import STAFF_KINDS, WITH_CALENDAR
from booking.messaging.ledger import message_deliver
from booking.models import Appointment, ClinicProfile, OutboundMessage
from booking.profile import clinic_profile_get
from booking.scheduling.clock import clinic_zone
from tests.factories import (
    AppointmentFactory,
    ConsultationTypeFactory,
    OutboundMessageFactory,
    PatientFactory,
    PractitionerFactory,
    UserFactory,
)
from tests.pseudo import OPEN, english_left, pseudo_spanish

pytestmark = pytest.mark.django_db

Kind = OutboundMessage.Kind
PATIENT_KINDS = [kind for kind in Kind.values if kind not in STAFF_KINDS]
# A Tuesday, far enough ahead that no message is skipped as past.
VISIT = datetime(2037, 12, 1, 9, 0, tzinfo=clinic_zone())
STATUS_FOR = {
    Kind.REQUEST_RECEIVED: Appointment.Status.REQUESTED,
    Kind.CANCELLED: Appointment.Status.CANCELLED,
}


@pytest.fixture
def visit_for():
    def make(
        language: str, kind: str = Kind.CONFIRMATION, start: datetime = VISIT, **kw
    ) -> Appointment:
        patient = PatientFactory(
            full_name="Lucía Pérez", email="lucia@example.com", language=language
        )
        ctype = ConsultationTypeFactory(name="Knee consultation", **kw)
        doctor = PractitionerFactory(
            display_name="Dr. Lee",
            user=UserFactory(email="dr.lee@clinic.example"),
            consultation_types=[ctype],
        )
        return AppointmentFactory(
            patient=patient,
            consultation_type=ctype,
            practitioner=doctor,
            start=start,
            status=STATUS_FOR.get(kind, Appointment.Status.CONFIRMED),
        )

    return make


def deliver(appointment: Appointment, kind: str, outbox) -> email.message.EmailMessage:
    # resent_at: sent now whatever the reminder offsets (the scan's timing is tested elsewhere).
    message = OutboundMessageFactory(appointment=appointment, kind=kind, resent_at=timezone.now())
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT, (message.status, message.last_error)
    return email.message_from_bytes(outbox[-1].message().as_bytes(), policy=policy.default)


def texts(msg: email.message.EmailMessage) -> tuple[str, str, str]:
    return (
        str(msg["Subject"]),
        msg.get_body(preferencelist=("plain",)).get_content(),
        msg.get_body(preferencelist=("html",)).get_content(),
    )


def calendar_text(msg: email.message.EmailMessage) -> tuple[object, object]:
    for part in msg.walk():
        if part.get_content_type() == "text/calendar":
            event = Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
            return event["SUMMARY"], event["DESCRIPTION"]
    raise AssertionError("no calendar part")


def data_of(appointment: Appointment) -> list[str]:
    """What an email may carry untranslated: names, places, the reference, the zone."""
    profile = clinic_profile_get()
    return [
        profile.name,
        profile.phone,
        *profile.address.splitlines(),
        *profile.what_to_bring.splitlines(),
        appointment.patient.full_name,
        str(appointment.practitioner),
        appointment.consultation_type.name,
        appointment.short_reference,
        "EST",
        "EDT",
    ]


@pytest.mark.parametrize("kind", PATIENT_KINDS)
def test_every_patient_email_is_built_in_spanish(kind, visit_for, mailoutbox):
    appointment = visit_for("es", kind)
    msg = deliver(appointment, kind, mailoutbox)
    subject, text, html = texts(msg)

    assert msg["Content-Language"] == "es"
    assert '<html lang="es">' in html
    for part in (text, html):
        # The date and time in Spanish (the words around them come with the catalogue).
        assert "martes, 1 de diciembre de 2037" in part
        assert "9:00 a. m." in part
        assert not re.search(r"\d (AM|PM)\b", part)
    if kind in WITH_CALENDAR:
        summary, description = calendar_text(msg)
        assert summary.params["LANGUAGE"] == "es"
        assert description.params["LANGUAGE"] == "es"


@pytest.mark.parametrize("kind", PATIENT_KINDS)
def test_every_word_of_a_patient_email_and_its_calendar_is_marked(kind, visit_for, mailoutbox):
    appointment = visit_for("es", kind)
    with pseudo_spanish():
        msg = deliver(appointment, kind, mailoutbox)
    allowed = data_of(appointment)
    for part in texts(msg):
        assert english_left(part, allowed=allowed) == [], part
    # ACA section 1557: the interpreter notice, with the clinic's phone, in every patient email.
    _subject, text, html = texts(msg)
    notice = "Language help: free interpreter services are available. Call"
    assert f"{OPEN}{notice} {clinic_profile_get().phone}." in text
    assert notice in html
    if kind in WITH_CALENDAR:
        for value in calendar_text(msg):
            assert english_left(str(value), allowed=allowed) == [], value


def test_a_video_visit_is_marked_too(visit_for, mailoutbox):
    appointment = visit_for("es", mode="video")
    appointment.practitioner.video_room_url = "https://video.example/room-7"
    appointment.practitioner.save()
    with pseudo_spanish():
        msg = deliver(appointment, Kind.CONFIRMATION, mailoutbox)
    for part in (*texts(msg), *map(str, calendar_text(msg))):
        assert english_left(part, allowed=data_of(appointment)) == [], part
    assert "room-7" in texts(msg)[1]


@pytest.mark.parametrize("kind", sorted(STAFF_KINDS))
def test_staff_emails_about_a_spanish_patient_stay_english(kind, visit_for, mailoutbox):
    appointment = visit_for("es", Kind.CANCELLED if kind == Kind.STAFF_CANCELLED else kind)
    with pseudo_spanish():
        msg = deliver(appointment, kind, mailoutbox)
    subject, text, html = texts(msg)
    assert msg["Content-Language"] == "en"
    assert '<html lang="en">' in html
    assert "Tuesday, December 1, 2037 at 9:00 AM EST" in text
    for part in (subject, text, html):
        assert OPEN not in part  # nothing went through Spanish
    assert "interpreter" not in html + text  # the notice is for patients


def test_an_english_patient_still_reads_english(visit_for, mailoutbox):
    appointment = visit_for("en")
    with pseudo_spanish():
        msg = deliver(appointment, Kind.CONFIRMATION, mailoutbox)
    subject, text, html = texts(msg)
    assert msg["Content-Language"] == "en"
    assert subject.startswith("Your appointment at Riverside Joint & Pain Clinic is confirmed: ")
    assert "Tuesday, December 1, 2037 at 9:00 AM EST (clinic time)" in text
    assert "Language help: free interpreter services are available. Call (413) 555-0142." in text
    assert OPEN not in subject + text + html


@pytest.mark.parametrize(
    ("start", "day", "zone"),
    [
        # The clocks go forward at 2:00 that Sunday, and back at 2:00 on the other.
        (datetime(2037, 3, 8, 9, 0), "domingo, 8 de marzo de 2037", "EDT"),
        (datetime(2037, 11, 1, 9, 0), "domingo, 1 de noviembre de 2037", "EST"),
    ],
)
def test_a_spanish_date_on_a_dst_day_keeps_the_clinic_time(visit_for, mailoutbox, start, day, zone):
    appointment = visit_for("es", start=start.replace(tzinfo=clinic_zone()))
    _subject, text, _html = texts(deliver(appointment, Kind.REMINDER, mailoutbox))
    # The words between date, time and zone come with the catalogue ("at" until then).
    (line,) = [line for line in text.splitlines() if day in line]
    assert "9:00 a. m." in line
    assert zone in line


def test_the_calendar_download_is_in_the_patients_language(visit_for, client):
    appointment = visit_for("es")
    with pseudo_spanish():
        response = client.get(reverse("booking:calendar", args=[manage_token(appointment)]))
    assert response.status_code == 200
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert event["SUMMARY"].params["LANGUAGE"] == "es"
    for value in (event["SUMMARY"], event["DESCRIPTION"]):
        assert english_left(str(value), allowed=data_of(appointment)) == [], value


@pytest.mark.parametrize("kind", PATIENT_KINDS)
def test_no_english_is_left_in_a_spanish_email_with_the_real_catalogue(kind, visit_for, mailoutbox):
    """The same email built for an English and a Spanish patient: no line of the Spanish one is
    a line of the English one, but for names and places (tests/spanish.py)."""
    from tests.spanish import english_left as left_over
    from tests.spanish import message_texts, page_texts

    english_visit = visit_for("en", kind, name_es="Consulta de rodilla")
    spanish_visit = visit_for("es", kind, name_es="Consulta de rodilla")
    ClinicProfile.objects.filter(pk=clinic_profile_get().pk).update(**CLINIC_TEXTS_ES)
    english = texts(deliver(english_visit, kind, mailoutbox))
    spanish = texts(deliver(spanish_visit, kind, mailoutbox))
    allowed = set(data_of(spanish_visit))
    assert left_over([english[0]], [spanish[0]], allowed=allowed) == []
    assert left_over(message_texts(english[1]), message_texts(spanish[1]), allowed=allowed) == []
    assert (
        left_over(page_texts(english[2], "en"), page_texts(spanish[2], "es"), allowed=allowed) == []
    )
