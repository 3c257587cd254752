"""Waitlist emails follow the entry's language (the page the patient joined on, or their later
choice), not the patient record's: a patient may read the offer in Spanish and an older
confirmation in English."""

from __future__ import annotations

import pytest
from django.utils import timezone

from booking.messaging.ledger import message_deliver
from booking.models import OutboundMessage, WaitlistEntry, WaitlistOffer
from booking.profile import clinic_profile_get
from booking.waitlist.emails import WAITLIST_CONFIRM
from tests.factories import PatientFactory
from tests.pseudo import OPEN, english_left, pseudo_spanish

pytestmark = pytest.mark.django_db


def _mail_to(outbox, address):
    (sent,) = [m for m in outbox if m.to == [address]]
    return sent, sent.alternatives[0][0]


def _allowed(entry, *extra) -> list[str]:
    profile = clinic_profile_get()
    return [
        profile.name,
        profile.phone,
        *profile.address.splitlines(),
        entry.patient.full_name,
        entry.consultation_type.name,
        "EST",
        "EDT",
        *extra,
    ]


def test_an_offer_follows_the_entry_language_not_the_patient_record(
    entry_factory, cancel_visit, mailoutbox, doctor
):
    entry = entry_factory(patient=PatientFactory(language="en"), language="es")
    with pseudo_spanish():
        cancel_visit()
    offer = WaitlistOffer.objects.get(entry=entry)
    assert OutboundMessage.objects.get(waitlist_offer=offer).status == "sent"
    sent, html = _mail_to(mailoutbox, entry.patient.email)

    assert sent.extra_headers["Content-Language"] == "es"
    assert '<html lang="es">' in html
    allowed = _allowed(entry, str(doctor))
    for part in (sent.subject, sent.body, html):
        assert english_left(part, allowed=allowed) == [], part
    assert "Language help: free interpreter services are available." in sent.body


def test_the_offer_date_is_in_spanish(entry_factory, cancel_visit, mailoutbox, slot):
    entry = entry_factory(language="es")
    cancel_visit()
    sent, html = _mail_to(mailoutbox, entry.patient.email)
    with_day = slot.astimezone(timezone.get_current_timezone())
    weekday = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
    assert f"{weekday[with_day.weekday()]}, {with_day.day} de " in sent.subject
    assert f"{weekday[with_day.weekday()]}, {with_day.day} de " in sent.body
    assert "10:00 a. m." in sent.body


def test_an_english_entry_of_a_spanish_patient_stays_english(
    entry_factory, cancel_visit, mailoutbox
):
    entry = entry_factory(patient=PatientFactory(language="es"), language="en")
    with pseudo_spanish():
        cancel_visit()
    sent, html = _mail_to(mailoutbox, entry.patient.email)
    assert sent.extra_headers["Content-Language"] == "en"
    assert OPEN not in sent.subject + sent.body + html
    assert sent.subject.startswith("A time is free at Riverside Joint & Pain Clinic: ")


def test_the_confirm_email_is_in_the_entry_language(entry_factory, mailoutbox):
    entry = entry_factory(status=WaitlistEntry.Status.PENDING, language="es")
    message = OutboundMessage.objects.create(
        waitlist_entry=entry,
        patient_id=entry.patient_id,
        kind=WAITLIST_CONFIRM,
        scheduled_for=timezone.now(),
    )
    with pseudo_spanish():
        message_deliver(message_id=message.pk)
    sent, html = _mail_to(mailoutbox, entry.patient.email)
    assert sent.extra_headers["Content-Language"] == "es"
    for part in (sent.subject, sent.body, html):
        assert english_left(part, allowed=_allowed(entry)) == [], part
