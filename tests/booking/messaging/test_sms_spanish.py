"""Texts in the patient's language, and the Spanish segment budget (docs/deploy.md).

Spanish is UCS-2 as soon as a word has á, í, ó or ú (70 units in one segment, 67 per part), so
a Spanish text gets its own budget: SPANISH_SEGMENTS UCS-2 segments for a reminder with the
longest text name, a 40-character SITE_URL, a real short link and the longest date, and
SPANISH_REPLY_SEGMENTS for the replies. The budget tests run under translation.override("es"):
today they measure the English msgids (no catalogue yet), counted as UCS-2; once the catalogue
is translated they measure the real Spanish, and its placeholders and keywords.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone, translation

from booking.messaging.scan import due_messages_scan
from booking.messaging.sms.compose import SPANISH_SEGMENTS, TEXTS, format_short, text_body
from booking.messaging.sms.consent import sms_opt_in_record
from booking.messaging.sms.inbound import (
    REPLIES,
    SPANISH_REPLY_SEGMENTS,
    inbound_text_receive,
    keyword_of,
    reply_language,
)
from booking.messaging.sms.segments import UCS2, segment_count, units
from booking.models import Appointment, Patient
from booking.profile import clinic_profile_get
from tests.booking.messaging.test_sms import LONG_TEXT_NAME, NEW_YORK, longest_link  # noqa: F401
from tests.factories import AppointmentFactory, PatientFactory
from tests.pseudo import OPEN, english_left, pseudo_spanish

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("texts_any_hour")]

PHONE = "+1 413-555-0100"
# What the translators' notes in compose.py and inbound.py offer as an example: proof that the
# budget leaves room for a plain Spanish sentence.
EXAMPLES = {
    "reminder": (
        "{clinic}: su cita es el {when}. Responda C para confirmar. Cambiar o cancelar: {link}"
    ),
    "help": (
        "{clinic}: recordatorios de citas. Ayuda: llame al {phone}. "
        "Responda STOP para no recibir más mensajes."
    ),
    "no_visit": (
        "{clinic}: no encontramos ninguna cita próxima para este número. Llame al {phone}."
    ),
    "confirmed": "{clinic}: gracias, lo esperamos el {when}.",
}
# Keywords a translation must keep as they are: the clinic's number and carriers act on them.
KEYWORDS = {"reminder": r"\bC\b", "help": r"\bSTOP\b"}


def longest_spanish_when() -> str:
    with translation.override("es"):
        days = [
            datetime(2037, 1, 1, 12, 45, tzinfo=NEW_YORK) + timedelta(days=n) for n in range(366)
        ]
        return max((format_short(day) for day in days), key=len)


def placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"\{(\w+)\}", text))


def msgid_and_spanish(lazy) -> tuple[str, str]:
    with translation.override("en"):
        msgid = str(lazy)
    with translation.override("es"):
        return msgid, str(lazy)


def test_the_longest_spanish_date_is_what_the_budget_assumes():
    # Three-letter day and month, a two-digit day, "12:45 p. m.": "sáb 10 ene, 12:45 p. m.".
    assert len(longest_spanish_when()) == 23


@pytest.mark.parametrize("kind", list(TEXTS))
def test_every_spanish_text_fits_its_budget(kind, longest_link):  # noqa: F811
    msgid, spanish = msgid_and_spanish(TEXTS[kind])
    assert placeholders(spanish) == placeholders(msgid)
    assert re.search(KEYWORDS["reminder"], spanish)
    with translation.override("es"):
        body = text_body(
            kind=kind, clinic=LONG_TEXT_NAME, when=longest_spanish_when(), link=longest_link
        )
    assert longest_link in body
    assert segment_count(body, UCS2) <= SPANISH_SEGMENTS, (units(body, UCS2), body)


@pytest.mark.parametrize("name", list(REPLIES))
def test_every_spanish_reply_fits_its_budget(name):
    msgid, spanish = msgid_and_spanish(REPLIES[name])
    assert placeholders(spanish) == placeholders(msgid)
    if name in KEYWORDS:
        assert re.search(KEYWORDS[name], spanish)
    body = spanish.format(clinic=LONG_TEXT_NAME, phone=PHONE, when=longest_spanish_when())
    assert segment_count(body, UCS2) <= SPANISH_REPLY_SEGMENTS, (units(body, UCS2), body)


def test_the_budget_leaves_room_for_a_plain_spanish_sentence(longest_link):  # noqa: F811
    values = {
        "clinic": LONG_TEXT_NAME,
        "when": longest_spanish_when(),
        "link": longest_link,
        "phone": PHONE,
    }
    reminder = EXAMPLES["reminder"].format(**values)
    assert segment_count(reminder, UCS2) == SPANISH_SEGMENTS  # 2 would be too few
    assert units(reminder, UCS2) > 2 * 67
    for name in REPLIES:
        assert segment_count(EXAMPLES[name].format(**values), UCS2) <= SPANISH_REPLY_SEGMENTS, name


def spanish_visit(phone: str = "+14135550188") -> Appointment:
    patient = PatientFactory(language="es", phone=phone)
    appointment = AppointmentFactory(
        patient=patient,
        start=timezone.now() + timedelta(hours=2) - timedelta(minutes=10),
        contact_phone=phone,
    )
    Appointment.objects.filter(pk=appointment.pk).update(
        created_at=timezone.now() - timedelta(days=7)
    )
    appointment.refresh_from_db()
    sms_opt_in_record(appointment=appointment)
    return appointment


def test_a_spanish_patients_reminder_text_is_spanish(sms_outbox):
    spanish_visit()
    with pseudo_spanish():
        due_messages_scan()
    (text,) = sms_outbox
    profile = clinic_profile_get()
    assert english_left(text.body, allowed=[profile.text_name]) == [], text.body
    assert text.body.startswith(OPEN)


def test_a_spanish_reminder_carries_a_spanish_date(sms_outbox):
    appointment = spanish_visit()
    due_messages_scan()
    (text,) = sms_outbox
    with translation.override("es"):
        when = format_short(appointment.start)
    assert when in text.body
    assert re.search(r"\d:\d\d [ap]\. m\.", text.body)


def receive(body: str, number: str, sid: str = "SM1") -> str:
    with pseudo_spanish():
        return inbound_text_receive(
            provider_sid=sid, from_number=number, body=body, profile=clinic_profile_get()
        ).reply


def test_help_is_answered_in_the_language_of_the_numbers_patient():
    number = "+14135550177"
    PatientFactory(language="es", phone=number)
    reply = receive("HELP", number)
    assert english_left(reply, allowed=[clinic_profile_get().text_name]) == [], reply
    assert reply.startswith(OPEN)


def test_a_number_shared_by_two_languages_or_nobody_is_answered_in_english():
    shared = "+14135550166"
    PatientFactory(language="es", phone=shared)
    PatientFactory(language="en", phone=shared)
    assert OPEN not in receive("HELP", shared, sid="SM1")
    assert OPEN not in receive("HELP", "+14135550155", sid="SM2")
    assert reply_language([]) == "en"
    assert reply_language(list(Patient.objects.filter(phone=shared))) == "en"


def test_two_spanish_readers_sharing_a_number_get_spanish():
    shared = "+14135550144"
    PatientFactory(language="es", phone=shared)
    PatientFactory(language="es", phone=shared)
    assert receive("INFO", shared).startswith(OPEN)


def test_c_is_answered_in_the_visit_patients_language_with_a_spanish_date():
    appointment = spanish_visit("+14135550133")
    PatientFactory(language="en", phone="+14135550133")  # a carer's number, shared
    reply = inbound_text_receive(
        provider_sid="SM9", from_number="+14135550133", body="C", profile=clinic_profile_get()
    ).reply
    with translation.override("es"):
        assert format_short(appointment.start) in reply
    assert receive("C", "+14135550133", sid="SM10").startswith(OPEN)


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("Alto", "stop"),
        ("PARAR.", "stop"),
        ("ayuda", "help"),
        ("Confirmar", "confirm"),
        ("confirmo", "confirm"),
        ("alto el fuego", "other"),
    ],
)
def test_spanish_answers_are_keywords_too(body, keyword):
    assert keyword_of(body) == keyword


def test_ayuda_from_a_spanish_reader_is_answered_in_spanish():
    number = "+14135550122"
    PatientFactory(language="es", phone=number)
    assert receive("Ayuda", number).startswith(OPEN)


@pytest.mark.parametrize(
    ("group", "name"), [("text", k) for k in TEXTS] + [("reply", k) for k in REPLIES]
)
def test_every_text_and_reply_has_its_own_spanish_in_the_catalogue(group, name):
    """With the real catalogue: no text or reply goes out in English to a Spanish patient."""
    from tests.spanish import english_left as left_over
    from tests.spanish import message_texts

    lazy = TEXTS[name] if group == "text" else REPLIES[name]
    with translation.override("en"):
        english = str(lazy)
    with translation.override("es"):
        spanish = str(lazy)
    assert left_over(message_texts(english), message_texts(spanish)) == []
    assert spanish != english
