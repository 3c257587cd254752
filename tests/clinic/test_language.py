"""Which language a request is served in (clinic/language.py, issue 17): the URL for public
pages, the patient's stored language for private links, English for the back office."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from booking.links.tokens import manage_token
from booking.models import Patient
from clinic import dates
from tests.factories import AppointmentFactory, PatientFactory, next_weekday_at

pytestmark = pytest.mark.django_db
COOKIE = settings.LANGUAGE_COOKIE_NAME


@pytest.mark.parametrize("path", ["/", "/book/", "/learn/", "/privacy/"])
def test_a_first_visit_goes_to_the_browsers_language(client, path):
    response = client.get(path, {"q": "knee"}, HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")
    assert response.status_code == 302
    assert response["Location"] == f"/es{path}?q=knee"
    assert "Accept-Language" in response["Vary"]


def test_an_english_browser_stays_and_is_remembered(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US")
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()
    assert response.cookies[COOKIE].value == "en"


def test_the_spanish_page_says_so_and_is_remembered(client):
    response = client.get("/es/")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="es">' in body
    assert response["Content-Language"] == "es"
    assert response.cookies[COOKIE].value == "es"
    # hreflang alternates, both ways, and the switch back to English.
    assert 'hreflang="en" href="http://testserver/"' in body
    assert 'hreflang="es" href="http://testserver/es/"' in body
    assert 'hreflang="x-default" href="http://testserver/"' in body
    assert 'href="/" hreflang="en" lang="en">English</a>' in body


def test_choosing_english_sticks_for_a_spanish_browser(client):
    """After /es/, a click on "English" must not be sent back to Spanish by Accept-Language."""
    client.get("/es/", HTTP_ACCEPT_LANGUAGE="es")
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()
    assert client.cookies[COOKIE].value == "en"


@pytest.mark.parametrize("path", ["/api/availability", "/healthz", "/sitemap.xml"])
def test_machine_urls_never_redirect(client, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code != 302


def test_the_back_office_stays_english_for_a_spanish_browser(admin_client):
    response = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"


def test_private_pages_follow_the_patients_language(client):
    appointment = AppointmentFactory(start=next_weekday_at(10), patient__language="es")
    url = reverse("booking:manage", args=[manage_token(appointment)])
    assert url.startswith("/book/manage/")  # no prefix, whatever the active language
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert '<html lang="es">' in response.content.decode()


def test_switching_on_a_private_page_stores_the_choice(client):
    appointment = AppointmentFactory(start=next_weekday_at(10), patient__language="es")
    url = reverse("booking:manage", args=[manage_token(appointment)])
    response = client.post(url, {"_language": "en"})
    assert response.status_code == 303
    assert response["Location"] == url
    assert Patient.objects.get(pk=appointment.patient_id).language == "en"
    assert '<html lang="en">' in client.get(url).content.decode()


def test_an_unknown_language_is_ignored(client):
    appointment = AppointmentFactory(start=next_weekday_at(10), patient__language="es")
    url = reverse("booking:manage", args=[manage_token(appointment)])
    client.post(url, {"_language": "xx"})
    assert Patient.objects.get(pk=appointment.patient_id).language == "es"


def test_a_switch_with_a_tampered_token_changes_nobody(client):
    patient = PatientFactory(language="es")
    appointment = AppointmentFactory(start=next_weekday_at(10), patient=patient)
    token = manage_token(appointment)
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    response = client.post(reverse("booking:manage", args=[forged]), {"_language": "en"})
    assert response.status_code in (303, 404)
    assert Patient.objects.get(pk=patient.pk).language == "es"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Tuesday, December 1, 9:05 AM"),
        ("es", "martes, 1 de diciembre, 9:05 a. m."),
    ],
)
def test_a_moment_reads_naturally_in_each_language(language, expected):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    moment = datetime(2026, 12, 1, 9, 5, tzinfo=ZoneInfo(settings.TIME_ZONE))
    with translation.override(language):
        assert dates.moment(moment) == expected


def test_dates_stay_in_the_clinics_zone_across_the_dst_change():
    """1:30 on the morning clocks go back exists twice: each reads in its own offset."""
    from datetime import UTC, datetime

    first = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 1:30 EDT
    second = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 1:30 EST
    with translation.override("es"):
        assert dates.clock(first) == dates.clock(second) == "1:30 a. m."
        assert dates.formatted(first, "day") == "domingo, 1 de noviembre"


def test_a_request_leaves_the_threads_language_as_it_found_it(client):
    with translation.override("en"):
        client.get("/es/")
        assert translation.get_language() == "en"
        assert reverse("booking:start") == "/book/"


def test_spanish_booking_pages_are_never_stored_by_a_browser_or_proxy(client):
    response = client.get("/es/book/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
