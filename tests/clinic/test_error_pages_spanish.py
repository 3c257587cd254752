"""The error pages in the language of the address (issue 17): 403, the CSRF 403, 404 and 429
under /es/ are Spanish pages with Spanish links; the 500 page is too, and needs no database
(it may be what failed), so a private page whose patient cannot be looked up gets it in the
address's language."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import path, reverse
from django.utils import translation

from booking.links.tokens import manage_token
from clinic import urls as project
from clinic.views import server_error
from tests.factories import AppointmentFactory, next_weekday_at

pytestmark = pytest.mark.django_db

SPANISH = '<html lang="es">'
ENGLISH = '<html lang="en">'


def refuse(request):
    raise PermissionDenied("needs booking.view_health_details")


def fail(request):
    raise RuntimeError("broken on purpose")


# This module is the URLconf of its tests: the project's URLs plus two that fail on purpose,
# in both languages.
urlpatterns = [
    *project.urlpatterns,
    *i18n_patterns(
        path("test-errors/forbidden/", refuse),
        path("test-errors/broken/", fail),
        prefix_default_language=False,
    ),
]
handler403 = project.handler403
handler500 = project.handler500


@pytest.fixture(autouse=True)
def _urls_and_language(settings):
    settings.ROOT_URLCONF = __name__
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


def _database_down(execute, sql, params, many, context):
    raise OperationalError("the database is down")


def test_the_404_page_under_es_is_spanish_with_spanish_links(client):
    response = client.get("/es/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert SPANISH in body
    for link in ('href="/es/"', 'href="/es/learn/"', 'href="/es/book/"'):
        assert link in body


def test_the_404_page_without_a_prefix_stays_english(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert ENGLISH in response.content.decode()


def test_the_403_page_under_es_is_spanish_and_says_no_reason(client):
    response = client.get("/es/test-errors/forbidden/")
    body = response.content.decode()
    assert response.status_code == 403
    assert SPANISH in body
    assert 'href="/es/book/"' in body
    assert "view_health_details" not in body


def test_the_csrf_page_under_es_is_spanish():
    client = Client(enforce_csrf_checks=True)
    with translation.override("es"):
        lost_link = reverse("booking:lost_link")
    response = client.post(lost_link, {"email": "a@example.com"})
    body = response.content.decode()
    assert response.status_code == 403
    assert SPANISH in body
    assert 'href="/es/"' in body


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_csrf_page_on_a_private_link_is_in_the_patients_language(language):
    # A page left open too long: the form is refused before the view runs, in the language the
    # page was shown in (the patient's), not the address's (English: private links have none).
    appointment = AppointmentFactory(start=next_weekday_at(2, 10))
    appointment.patient.language = language
    appointment.patient.save()
    client = Client(enforce_csrf_checks=True)
    url = reverse("booking:manage_cancel", args=[manage_token(appointment)])
    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 403
    assert f'<html lang="{language}">' in response.content.decode()


def test_the_429_page_under_es_is_spanish(client, settings):
    settings.LOST_LINK_RATE_LIMIT = 1
    for _attempt in range(2):
        response = client.post("/es/book/lost-link/", {"email": "a@example.com"})
    assert response.status_code == 429
    assert SPANISH in response.content.decode()


def test_the_500_page_under_es_is_spanish(client):
    client.raise_request_exception = False
    response = client.get("/es/test-errors/broken/")
    body = response.content.decode()
    assert response.status_code == 500
    assert SPANISH in body
    assert 'href="/es/"' in body
    assert response.headers["Content-Language"] == "es"
    assert "broken on purpose" not in body


def test_the_500_page_needs_no_database_and_keeps_the_language(client):
    """A Spanish page whose query fails: the error page renders with the database down."""
    client.raise_request_exception = False
    with connection.execute_wrapper(_database_down):
        response = client.get("/es/")
    assert response.status_code == 500
    body = response.content.decode()
    assert SPANISH in body
    assert 'href="/es/"' in body


def test_a_private_page_with_the_database_down_gets_the_500_in_the_addresss_language(client):
    visit = AppointmentFactory(start=next_weekday_at(10))
    visit.patient.language = "es"
    visit.patient.save(update_fields=["language"])
    page = reverse("booking:manage", args=[manage_token(visit)])
    client.raise_request_exception = False
    with connection.execute_wrapper(_database_down):
        response = client.get(page)
    assert response.status_code == 500
    # The patient's language could not be read: English, the language of an unprefixed address.
    assert ENGLISH in response.content.decode()


@pytest.mark.parametrize(("path", "language"), [("/es/book/", "es"), ("/book/", "en")])
def test_the_500_view_runs_no_query(path, language, django_assert_num_queries):
    request = RequestFactory().get(path)
    with django_assert_num_queries(0):
        response = server_error(request)
    assert f'<html lang="{language}">' in response.content.decode()
    assert response["Content-Language"] == language


def test_the_500_view_uses_the_language_the_middleware_chose(django_assert_num_queries):
    # A private page (no prefix) whose patient reads Spanish, found before the failure.
    request = RequestFactory().get("/book/manage/a.token/")
    request.LANGUAGE_CODE = "es"
    with django_assert_num_queries(0):
        response = server_error(request)
    assert SPANISH in response.content.decode()


def test_an_unknown_language_code_on_the_request_falls_back_to_the_address(db):
    request = RequestFactory().get("/es/book/")
    request.LANGUAGE_CODE = "xx"
    assert SPANISH in server_error(request).content.decode()
    assert settings.LANGUAGE_CODE == "en"
