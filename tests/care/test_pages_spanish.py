"""Care's private pages in the patient's language: `<html lang="es">` for a Spanish patient,
every word marked (pseudo-Spanish), the shipped questionnaires in Spanish, and the language
switch on the form pages showing what was typed again without saving it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from care.links import plan_token
from care.models import ConsentRecord, ConsentText, Instrument, InstrumentItem, Response
from care.plans import plan_start
from tests.pseudo import english_left, pseudo_spanish

pytestmark = pytest.mark.django_db

BORN = date(1961, 4, 5)


@pytest.fixture
def plan(course):
    patient = course["visit"].patient
    patient.language = "es"
    patient.date_of_birth = BORN
    patient.save()
    plan = plan_start(appointment=course["visit"], template=course["template"])
    ConsentText.objects.create(
        consultation_type=course["procedure"],
        version=1,
        title="Consentimiento PRP",
        body="Qué pasa.\n\nLos riesgos.",
        published_at=timezone.now() - timedelta(days=1),
    )
    return plan


def _url(name: str, plan, *args) -> str:
    return reverse(f"care:{name}", args=[plan_token(plan), *args])


def _main(response) -> str:
    return re.search(r"<main.*?</main>", response.content.decode(), re.S).group(0)


def _spanish_data(course) -> list[str]:
    """The data a care page shows untranslated: the plan's and visits' names (the clinic's
    admin texts), the clinic's phone, and the instruments' Spanish."""
    instruments = Instrument.objects.all()
    items = InstrumentItem.objects.all()
    return [
        "Knee PRP",
        course["consult"].name,
        course["procedure"].name,
        course["follow_up"].name,
        "Consentimiento PRP",
        "Qué pasa.",
        "Los riesgos.",
        "(413) 555-0142",
        *(i.name_es for i in instruments),
        *(f for item in items for f in (item.prompt_es, item.min_label_es, item.max_label_es)),
        *(o["label_es"] for item in items for o in item.options),
    ]


@pytest.mark.parametrize("page", ["plan", "answer", "consent", "questions_preference"])
def test_care_pages_are_spanish_for_a_spanish_patient(client, plan, course, page):
    args = [plan.time_points.get().pk] if page == "answer" else []
    with pseudo_spanish():
        response = client.get(_url(page, plan, *args))
    assert response.status_code == 200
    assert '<html lang="es">' in response.content.decode()
    assert response["Content-Language"] == "es"
    assert english_left(_main(response), allowed=_spanish_data(course)) == []


def test_the_thank_you_and_closed_pages_are_spanish(client, plan, course):
    point = plan.time_points.get()
    with pseudo_spanish():
        thanks = client.get(_url("answered", plan))
        Response.objects.all().delete()
        point.answered_at = timezone.now()
        point.save()
        closed = client.get(_url("answer", plan, point.pk))
    assert closed.status_code == 404
    for response in (thanks, closed):
        assert '<html lang="es">' in response.content.decode()
        assert english_left(_main(response), allowed=_spanish_data(course)) == []


def test_the_shipped_questions_are_in_spanish_and_english_for_an_english_reader(
    client, plan, course
):
    point = plan.time_points.get()
    spanish = client.get(_url("answer", plan, point.pk)).content.decode()
    assert "¿Qué tan fuerte es su dolor en este momento?" in spanish
    assert "Sin dolor" in spanish
    assert "How bad is your pain right now?" not in spanish
    follow = plan.time_points.create(days_after_procedure=42, due_at=timezone.now())
    assert "Muchísimo mejor" in client.get(_url("answer", plan, follow.pk)).content.decode()

    plan.patient.language = "en"
    plan.patient.save(update_fields=["language"])
    english = client.get(_url("answer", plan, point.pk)).content.decode()
    assert "How bad is your pain right now?" in english
    assert "Qué tan" not in english


def test_a_question_without_spanish_falls_back_to_english(client, plan):
    InstrumentItem.objects.filter(instrument__slug="pain-now").update(prompt_es="")
    page = client.get(_url("answer", plan, plan.time_points.get().pk)).content.decode()
    assert "How bad is your pain right now?" in page
    assert "En los últimos 7 días" in page  # the others are still Spanish


def test_the_answer_switch_shows_the_choices_again_and_saves_nothing(client, plan):
    point = plan.time_points.get()
    url = _url("answer", plan, point.pk)
    page = client.get(url).content.decode()
    assert 'form="answer-form"' in page
    pain_now = Instrument.objects.get(slug="pain-now")
    response = client.post(url, {f"{pain_now.pk}-1": "7", "_language": "en"})
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert re.search(rf'id="q{pain_now.pk}-1-7"[^>]*checked', body)
    assert "Choose an answer." not in body  # not a submission: no errors
    assert not Response.objects.exists()
    point.refresh_from_db()
    assert point.answered_at is None
    plan.patient.refresh_from_db()
    assert plan.patient.language == "en"  # later messages follow the choice


def test_the_consent_switch_shows_what_was_typed_and_signs_nothing(client, plan):
    url = _url("consent", plan)
    assert 'form="consent-form"' in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "date_of_birth": BORN.isoformat(),
            "full_name": "Lucía Pérez",
            "agree": "on",
            "_language": "en",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert 'value="Lucía Pérez"' in body
    assert f'value="{BORN.isoformat()}"' in body
    assert 'class="text-danger"' not in body
    assert not ConsentRecord.objects.exists()


def test_the_questions_switch_never_stops_the_questions(client, plan):
    url = _url("questions_preference", plan)
    bare = client.post(url, {"_language": "en"})
    assert bare.status_code == 303
    with_choice = client.post(url, {"_language": "en", "choice": "stop"})
    assert with_choice.status_code == 302
    plan.refresh_from_db()
    assert plan.outcomes_opted_out_at is None
    assert plan.patient.language == "en"
    assert '<html lang="en">' in client.get(url).content.decode()


@pytest.mark.parametrize(
    "typed",
    [
        {"date_of_birth": "1961-04-06", "full_name": "Lucía Pérez", "agree": "on"},
        {"date_of_birth": BORN.isoformat(), "full_name": "L", "agree": "on"},
        {"date_of_birth": BORN.isoformat(), "full_name": "Lucía Pérez"},
        {"date_of_birth": "", "full_name": "", "for_someone": "on"},
    ],
)
def test_consent_errors_are_spanish(client, plan, course, typed):
    text = ConsentText.objects.get()
    with pseudo_spanish():
        response = client.post(_url("consent", plan), {"text": text.pk, "action": "sign", **typed})
    assert response.status_code == 400
    assert 'class="text-danger"' in response.content.decode()
    allowed = [*_spanish_data(course), "Lucía Pérez"]
    assert english_left(_main(response), allowed=allowed) == []
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize(("body_es", "words"), [("", "en"), ("Qué pasa.\n\nLos riesgos.", "es")])
def test_a_signature_records_the_language_of_the_words_read(client, plan, body_es, words):
    # A Spanish reader of a version without Spanish was shown (and signed) the English words.
    text = ConsentText.objects.get()
    text.body_es = body_es
    text.save()
    assert 'lang="es"' in client.get(_url("consent", plan)).content.decode()
    signed = {"text": text.pk, "date_of_birth": BORN.isoformat(), "full_name": "Lucía Pérez"}
    response = client.post(_url("consent", plan), {**signed, "agree": "on", "action": "sign"})
    assert response.status_code == 302
    assert ConsentRecord.objects.get().language == words
    client.post(_url("consent", plan), {**signed, "action": "withdraw"})
    withdrawn = ConsentRecord.objects.latest("pk")
    assert (withdrawn.action, withdrawn.language) == ("withdrawn", "es")
