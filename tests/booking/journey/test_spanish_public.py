"""The public booking pages in Spanish (issue 17): under /es/, with Spanish dates, times and day
names, the browser's language on a first visit, and the switch that re-posts what was typed.

No catalogue exists yet, so our own strings are still English here; what is checked is what is
already the language's: the `lang` attribute, the URLs, and the dates and day names, which come
from Django's own Spanish catalogue (clinic/dates.py)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from booking.models import Appointment, LinkRequest, OutboundMessage, Patient
from clinic import dates
from tests.factories import next_weekday_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limit")]

SPANISH = '<html lang="es">'


@pytest.fixture(autouse=True)
def _english_around():
    """The middleware activates a request's language in this thread and leaves it there: a
    test's own reverse() would otherwise give /es/ addresses after a Spanish request, here and
    in the next test module of this process."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


def es(name: str, *args) -> str:
    with translation.override("es"):
        return reverse(name, args=args)


def in_spanish(value, name: str) -> str:
    with translation.override("es"):
        return dates.formatted(value, name) if name != "clock" else dates.clock(value)


def details_data(start, **overrides) -> dict:
    data = {
        "start": start.isoformat(),
        "practitioner": "any",
        "full_name": "María López",
        "email": "maria@example.com",
        "phone": "(413) 555-0199",
        "date_of_birth": "1955-04-02",
        "joints": ["knee", "hip"],
        "note": "Me duele al subir escaleras",
        "reminders": "on",
        "privacy": "on",
        "website": "",
        "submission_key": "k" * 32,
    }
    data.update(overrides)
    return data


# --- Pages in Spanish ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["home", "privacy", "booking:start", "booking:lost_link"], ids=lambda n: n
)
def test_public_pages_render_under_es_in_spanish(client, ctype, name):
    url = es(name)
    assert url.startswith("/es/")
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert SPANISH in body
    assert response.headers["Content-Language"] == "es"
    # Links stay in Spanish: the next step is under /es/ too.
    assert f'href="{es("booking:start")}"' in body


def test_the_start_page_links_each_type_to_its_spanish_picker(client, ctype):
    body = client.get(es("booking:start")).content.decode()
    assert f'href="{es("booking:choose_time", ctype.slug)}"' in body
    assert f'href="{es("booking:lost_link")}"' in body


def test_the_time_picker_in_spanish_names_months_days_and_times_in_spanish(client, ctype, doctor):
    start = next_weekday_at(9)  # a Tuesday
    response = client.get(es("booking:choose_time", ctype.slug), {"date": start.date().isoformat()})
    body = response.content.decode()
    assert response.status_code == 200
    assert SPANISH in body
    # The month heading, the grid's column heads, each day's aria-label and the times.
    assert in_spanish(start, "month_year") in body  # "diciembre de 2026"
    assert '<abbr title="domingo">dom</abbr>' in body
    assert '<abbr title="sábado">sáb</abbr>' in body
    assert "Sun</abbr>" not in body
    day_label = in_spanish(start, "day")
    assert day_label.startswith("martes, ")
    assert " de " in day_label
    assert f'aria-label="{day_label}, seleccionado"' in body
    assert "9:00 a. m." in body
    assert "9:00 AM" not in body
    # Choosing a time goes on in Spanish.
    assert f"{es('booking:details', ctype.slug)}?start=" in body
    assert f'href="{es("booking:waitlist_join", ctype.slug)}"' in body


def test_the_pickers_htmx_part_is_in_spanish_too(client, ctype, doctor):
    start = next_weekday_at(15)
    response = client.get(
        es("booking:choose_time", ctype.slug),
        {"date": start.date().isoformat()},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="picker"')
    assert "3:00 p. m." in body
    assert in_spanish(start, "day") in body


def test_a_bad_picker_parameter_is_a_spanish_400_that_points_back_in_spanish(client, ctype):
    response = client.get(es("booking:choose_time", ctype.slug), {"month": "2026-13"})
    assert response.status_code == 400
    body = response.content.decode()
    assert SPANISH in body
    assert f'href="{es("booking:choose_time", ctype.slug)}"' in body


def test_the_details_step_in_spanish_shows_the_time_in_spanish(client, ctype, doctor):
    start = next_weekday_at(10)
    response = client.get(
        es("booking:details", ctype.slug), {"start": start.isoformat(), "practitioner": "any"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert SPANISH in body
    assert in_spanish(start, "day_year") in body
    assert "10:00 a. m." in body
    # The privacy notice it links to is the Spanish one.
    assert f'href="{es("privacy")}"' in body


def test_the_review_step_in_spanish_shows_the_birth_date_in_spanish(client, ctype, doctor):
    start = next_weekday_at(10)
    response = client.post(es("booking:details", ctype.slug), details_data(start))
    body = response.content.decode()
    assert response.status_code == 200
    assert SPANISH in body
    assert "2 de abril de 1955" in body
    assert f'action="{es("booking:confirm", ctype.slug)}"' in body


def test_booking_in_spanish_stores_spanish_and_confirms_in_spanish(client, ctype, doctor):
    start = next_weekday_at(11)
    response = client.post(es("booking:confirm", ctype.slug), details_data(start), follow=True)
    assert response.status_code == 200
    assert SPANISH in response.content.decode()
    assert Patient.objects.get().language == "es"
    assert "11:00 a. m." in response.content.decode()


# --- The browser's language on a first visit -----------------------------------------------


@pytest.mark.parametrize(("path", "target"), [("/", "/es/"), ("/book/", "/es/book/")])
def test_a_first_visit_in_a_spanish_browser_goes_to_the_spanish_page(client, path, target):
    response = client.get(path, headers={"Accept-Language": "es-US,es;q=0.9,en;q=0.5"})
    assert response.status_code == 302
    assert response["Location"] == target


def test_a_first_visit_keeps_the_query_string(client, ctype):
    response = client.get(
        f"/book/{ctype.slug}/", {"date": "2026-12-01"}, headers={"Accept-Language": "es"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/es/book/{ctype.slug}/?date=2026-12-01"


@pytest.mark.parametrize("path", ["/", "/book/"])
def test_the_language_cookie_wins_over_the_browser(client, path):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(path, headers={"Accept-Language": "es"})
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


def test_an_english_browser_stays_on_the_english_page(client):
    response = client.get("/book/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert response.status_code == 200


def test_after_the_first_visit_the_address_says_the_language(client):
    response = client.get("/es/book/")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    # Someone who then follows an English link (or the switch) reads English: no redirect.
    english = client.get("/book/", headers={"Accept-Language": "es"})
    assert english.status_code == 200
    assert '<html lang="en">' in english.content.decode()
    assert english.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


# --- The switch on a public form page re-posts what was typed and does nothing else --------


def test_switching_on_the_details_step_keeps_what_was_typed_and_books_nothing(
    client, ctype, doctor, mailoutbox
):
    start = next_weekday_at(10)
    typed = details_data(start, privacy="", _language="es")
    response = client.post(es("booking:details", ctype.slug), typed)
    body = response.content.decode()
    assert response.status_code == 200
    assert SPANISH in body
    assert 'value="María López"' in body
    assert "Me duele al subir escaleras" in body
    assert re.search(r'value="hip"[^>]*checked', body)
    assert not re.search(r'value="shoulder"[^>]*checked', body)
    # Not a submission: no error for the unticked privacy box, and nothing booked.
    assert "error-summary" not in body
    assert 'form="booking-form"' in body  # the switch back re-posts the same form
    assert not Appointment.objects.exists()
    assert mailoutbox == []


def test_switching_on_the_review_step_shows_the_review_again_and_books_nothing(
    client, ctype, doctor, mailoutbox
):
    start = next_weekday_at(10)
    review = client.post(reverse("booking:details", args=[ctype.slug]), details_data(start))
    assert 'name="reviewed"' in review.content.decode()
    switched = client.post(
        es("booking:details", ctype.slug), details_data(start, reviewed="1", _language="es")
    )
    body = switched.content.decode()
    assert switched.status_code == 200
    assert SPANISH in body
    assert f'action="{es("booking:confirm", ctype.slug)}"' in body  # the review, not the form
    assert "2 de abril de 1955" in body
    assert 'form="booking-form"' in body  # and it can switch back
    assert not Appointment.objects.exists()
    assert mailoutbox == []


def test_switching_on_the_lost_link_page_keeps_the_address_and_sends_nothing(
    client, mailoutbox, settings
):
    settings.LOST_LINK_RATE_LIMIT = 1
    response = client.post(
        es("booking:lost_link"), {"email": "maria@example.com", "_language": "es"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert SPANISH in body
    assert 'value="maria@example.com"' in body
    assert 'form="lost-link-form"' in body
    assert 'id="lost-link-form"' in body
    assert not LinkRequest.objects.exists()
    assert mailoutbox == []
    # Nor did it count against the limit: the real request still goes through.
    sent = client.post(es("booking:lost_link"), {"email": "maria@example.com"})
    assert sent.status_code == 200
    assert LinkRequest.objects.count() == 1


def test_switching_back_to_english_from_a_spanish_form_keeps_what_was_typed(client):
    response = client.post(
        reverse("booking:lost_link"), {"email": "typed@example.com", "_language": "en"}
    )
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert 'value="typed@example.com"' in body
    assert not LinkRequest.objects.exists()
    assert not OutboundMessage.objects.exists()
