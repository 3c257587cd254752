"""The private-link pages in the patient's language (issue 17): no /es/ prefix, the language
stored on the patient decides; the switch there stores the new choice, and on a page with a
form it shows the form again as typed and acts on nothing (no cancel, no move, no answers
saved, no email)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from booking.links.tokens import manage_token
from booking.models import Appointment, Intake, OutboundMessage
from clinic import dates
from tests.factories import AppointmentFactory, next_weekday_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limit")]

SPANISH = '<html lang="es">'
ENGLISH = '<html lang="en">'


@pytest.fixture(autouse=True)
def _english_around():
    """Requests leave their language active in this thread (see test_spanish_public.py)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def visit(ctype, doctor):
    appointment = AppointmentFactory(
        consultation_type=ctype, practitioner=doctor, start=next_weekday_at(10)
    )
    appointment.patient.language = "es"
    appointment.patient.save(update_fields=["language"])
    return appointment


def url(name: str, appointment: Appointment) -> str:
    return reverse(f"booking:{name}", args=[manage_token(appointment)])


def in_spanish(value, name: str) -> str:
    with translation.override("es"):
        return dates.formatted(value, name)


@pytest.mark.parametrize(
    "name", ["confirmation", "manage", "manage_cancel", "manage_reschedule", "questionnaire"]
)
def test_private_pages_follow_the_patients_stored_language(client, visit, name):
    page = url(name, visit)
    assert not page.startswith("/es/")
    response = client.get(page)
    body = response.content.decode()
    assert response.status_code == 200
    assert SPANISH in body
    assert response.headers["Content-Language"] == "es"
    assert in_spanish(visit.start, "day") in body
    # Links to the public pages go to their Spanish addresses.
    assert 'href="/es/book/"' in body


def test_the_appointment_summary_says_when_in_spanish(client, visit):
    body = client.get(url("manage", visit)).content.decode()
    assert in_spanish(visit.start, "day_year") in body
    assert "10:00 a. m." in body
    assert "10:00 AM" not in body


def test_an_english_patients_pages_stay_english(client, visit):
    visit.patient.language = "en"
    visit.patient.save(update_fields=["language"])
    body = client.get(url("manage", visit)).content.decode()
    assert ENGLISH in body
    assert "10:00 AM" in body


def test_the_reschedule_confirmation_is_in_spanish(client, visit, doctor):
    new_start = next_weekday_at(14)
    response = client.get(
        url("manage_reschedule_confirm", visit),
        {"start": new_start.isoformat(), "practitioner": str(doctor.pk)},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert SPANISH in body
    assert "2:00 p. m." in body
    assert in_spanish(new_start, "day_year") in body


def test_a_spanish_patients_expired_or_unknown_link_pages(client, visit):
    # An unknown token has no patient: the page is in the address's language (English).
    unknown = client.get(reverse("booking:manage", args=["a." + "0" * 64]))
    assert unknown.status_code == 404
    assert ENGLISH in unknown.content.decode()


# --- The switch on a private page stores the choice -------------------------------------


def test_a_bare_switch_stores_the_language_and_redirects_to_the_same_page(client, visit):
    page = url("manage", visit)
    response = client.post(page, {"_language": "en"})
    assert response.status_code == 303
    assert response["Location"] == page
    visit.patient.refresh_from_db()
    assert visit.patient.language == "en"
    assert ENGLISH in client.get(page).content.decode()


def test_the_manage_page_offers_the_switch_as_a_small_form_to_itself(client, visit):
    body = client.get(url("manage", visit)).content.decode()
    assert f'action="{url("manage", visit)}"' in body
    assert 'name="_language" value="en"' in body


def test_switching_on_the_cancel_page_keeps_the_reason_and_cancels_nothing(
    client, visit, mailoutbox
):
    page = url("manage_cancel", visit)
    body = client.get(page).content.decode()
    assert 'id="cancel-form"' in body
    assert 'form="cancel-form"' in body

    response = client.post(page, {"reason": "Tengo otra cita ese día", "_language": "en"})
    body = response.content.decode()
    assert response.status_code == 200
    assert ENGLISH in body
    assert "Tengo otra cita ese día" in body
    visit.refresh_from_db()
    visit.patient.refresh_from_db()
    assert visit.status == Appointment.Status.CONFIRMED
    assert visit.patient.language == "en"  # stored: later messages use it
    assert not OutboundMessage.objects.exists()
    assert mailoutbox == []


def test_switching_with_a_too_long_reason_shows_no_error(client, visit):
    response = client.post(url("manage_cancel", visit), {"reason": "x" * 600, "_language": "es"})
    body = response.content.decode()
    assert "at most 500 characters" not in body
    assert "error-summary" not in body
    assert "x" * 600 in body


def test_switching_on_the_reschedule_confirmation_moves_nothing(client, visit, doctor, mailoutbox):
    new_start = next_weekday_at(14)
    params = {"start": new_start.isoformat(), "practitioner": str(doctor.pk)}
    page = url("manage_reschedule_confirm", visit)
    assert 'form="reschedule-form"' in client.get(page, params).content.decode()

    response = client.post(page, {**params, "_language": "en"})
    body = response.content.decode()
    assert response.status_code == 200
    assert ENGLISH in body
    assert "2:00 PM" in body  # the chosen new time is still the one offered
    assert f'value="{new_start.isoformat()}"' in body
    original = visit.start
    visit.refresh_from_db()
    assert visit.start == original
    assert not OutboundMessage.objects.exists()
    assert mailoutbox == []


def test_switching_on_the_questionnaire_keeps_the_answers_and_saves_none(client, visit):
    page = url("questionnaire", visit)
    assert 'form="questionnaire-form"' in client.get(page).content.decode()
    typed = {
        "pain_score": "7",
        "pain_duration": "months",
        "aggravating_factors": "Las escaleras",
        "_language": "en",
    }
    response = client.post(page, typed)
    body = response.content.decode()
    assert response.status_code == 200
    assert ENGLISH in body
    assert 'value="7"' in body
    assert "Las escaleras" in body
    assert '<option value="months" selected>' in body
    intake = Intake.objects.get(appointment=visit)
    assert intake.pain_score is None
    assert intake.questionnaire_completed_at is None


def test_switching_with_an_out_of_range_pain_score_shows_no_error(client, visit):
    response = client.post(url("questionnaire", visit), {"pain_score": "99", "_language": "es"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "error-summary" not in body
    assert 'value="99"' in body


def test_a_closed_questionnaire_offers_a_plain_switch(client, visit):
    Appointment.objects.filter(pk=visit.pk).update(status=Appointment.Status.CANCELLED)
    body = client.get(url("questionnaire", visit)).content.decode()
    # No form on the page: the switch must not point at one.
    assert 'form="questionnaire-form"' not in body
    assert 'name="_language"' in body


def test_the_private_pages_language_look_up_is_one_query(
    client, visit, django_assert_max_num_queries
):
    # test_views_manage.py pins the English pages; the Spanish one costs the same: the
    # language is read with the link's subject in one query whatever it is.
    with django_assert_max_num_queries(6):
        response = client.get(url("manage", visit))
    assert SPANISH in response.content.decode()
