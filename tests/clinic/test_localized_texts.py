"""The clinic's own texts in Spanish, falling back to English with a note (issue 17)."""

import pytest
from django.utils import translation

from booking.messaging.compose import message_context
from booking.models import localized, localized_language, localized_pending
from booking.profile import clinic_profile_get
from tests.factories import (
    AppointmentFactory,
    ConsultationTypeFactory,
    OutboundMessageFactory,
    PractitionerFactory,
    next_weekday_at,
)

pytestmark = pytest.mark.django_db

NOTE = "Esta información todavía no está disponible en su idioma, por eso se muestra en inglés."


@pytest.fixture
def clinic():
    profile = clinic_profile_get()
    profile.privacy_notice = "We keep your details safe."
    profile.privacy_notice_es = ""
    profile.what_to_bring = "Your insurance card."
    profile.what_to_bring_es = "Su tarjeta del seguro."
    # Translated, so the footer's opening hours add no note of their own.
    profile.opening_hours = "Monday to Friday, 8 to 5"
    profile.opening_hours_es = "De lunes a viernes, de 8 a 5"
    profile.save()
    return profile


def test_localized_reads_the_readers_language_then_english(clinic):
    assert localized(clinic, "what_to_bring", language="es") == "Su tarjeta del seguro."
    assert localized(clinic, "what_to_bring", language="en") == "Your insurance card."
    assert localized(clinic, "privacy_notice", language="es") == "We keep your details safe."
    assert localized_language(clinic, "privacy_notice", language="es") == "en"
    assert localized_pending(clinic, "privacy_notice", language="es")
    assert not localized_pending(clinic, "what_to_bring", language="es")
    assert not localized_pending(clinic, "privacy_notice", language="en")
    with translation.override("es"):
        assert localized(clinic, "what_to_bring") == "Su tarjeta del seguro."


def test_localized_of_whitespace_only_spanish_falls_back(clinic):
    clinic.what_to_bring_es = "   "

    assert localized(clinic, "what_to_bring", language="es") == "Your insurance card."


def test_nothing_is_pending_when_english_is_empty_too(clinic):
    clinic.tagline = ""
    clinic.tagline_es = ""

    assert not localized_pending(clinic, "tagline", language="es")


def test_spanish_privacy_page_falls_back_to_english_with_a_note(client, clinic):
    response = client.get("/es/privacy/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="es">' in html
    assert html.count(NOTE) == 1
    assert 'class="translation-pending' in html
    assert '<div class="privacy-notice" lang="en"><p>We keep your details safe.</p></div>' in html


def test_spanish_privacy_page_shows_the_spanish_notice_without_a_note(client, clinic):
    clinic.privacy_notice_es = "Protegemos sus datos."
    clinic.save()

    html = client.get("/es/privacy/").content.decode()

    assert '<div class="privacy-notice" lang="es"><p>Protegemos sus datos.</p></div>' in html
    assert "We keep your details safe." not in html
    assert NOTE not in html


def test_english_privacy_page_never_shows_the_note(client, clinic):
    clinic.opening_hours_es = ""
    clinic.save()

    html = client.get("/privacy/").content.decode()

    assert "We keep your details safe." in html
    assert NOTE not in html


def test_spanish_booking_start_shows_spanish_type_names(client, clinic):
    ConsultationTypeFactory(
        slug="initial-consultation",
        name="Initial consultation",
        name_es="Primera consulta",
        description="A first visit.",
        description_es="",
    )

    html = client.get("/es/book/").content.decode()

    assert "Primera consulta" in html
    assert "Initial consultation" not in html
    # The description is not translated: English, marked as such, with the note.
    assert '<p lang="en">A first visit.</p>' in html
    assert NOTE in html


def test_spanish_practitioner_bio_on_the_time_picker(client, clinic):
    ctype = ConsultationTypeFactory(slug="follow-up", name="Follow-up", name_es="Seguimiento")
    PractitionerFactory(
        display_name="Dr. Ana Ruiz",
        bio="Treats knees.",
        bio_es="Trata rodillas.",
        consultation_types=[ctype],
    )
    # The choice of clinician, with bios, is shown when there are several.
    PractitionerFactory(display_name="Dr. Ben Cole", consultation_types=[ctype])

    html = client.get("/es/book/follow-up/").content.decode()

    assert "Trata rodillas." in html
    assert "Treats knees." not in html
    assert "Seguimiento" in html


def test_email_context_is_in_the_patients_language(clinic):
    ctype = ConsultationTypeFactory(name="Follow-up", name_es="Seguimiento")
    appointment = AppointmentFactory(consultation_type=ctype, start=next_weekday_at(10))
    message = OutboundMessageFactory(appointment=appointment)

    with translation.override("es"):
        spanish = message_context(message, profile=clinic)
    with translation.override("en"):
        english = message_context(message, profile=clinic)

    assert (spanish["type_name"], spanish["what_to_bring"]) == (
        "Seguimiento",
        "Su tarjeta del seguro.",
    )
    assert (english["type_name"], english["what_to_bring"]) == (
        "Follow-up",
        "Your insurance card.",
    )
