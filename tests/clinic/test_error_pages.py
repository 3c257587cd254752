"""403 pages: styled (the site's, or the back office's inside the admin), never a 500, and
never showing why access was refused."""

import pytest
from django.test import Client
from django.urls import reverse

from booking.backoffice import roles
from booking.profile import clinic_profile_get
from tests.back_office import admin_pages, back_office_data
from tests.clinic.urls_errors import SECRET

pytestmark = pytest.mark.django_db

ADMIN_403_TITLE = "No access to this page"


@pytest.fixture
def error_urls(settings):
    settings.ROOT_URLCONF = "tests.clinic.urls_errors"


@pytest.mark.parametrize("debug", [False, True])
def test_a_refusal_on_the_site_is_the_sites_styled_page_without_the_reason(
    client, error_urls, settings, debug
):
    settings.DEBUG = debug
    profile = clinic_profile_get()
    profile.phone = "(413) 555-0100"
    profile.save()
    response = client.get("/test-errors/forbidden/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "available to you" in body
    assert 'href="#main"' in body  # the site's own frame
    assert "tel:" in body  # and its phone number
    assert SECRET not in body
    assert "403 Forbidden" not in body


def test_a_refused_form_post_gets_the_styled_csrf_page(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("booking:lost_link"), {"email": "a@example.com"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Please try that again" in body
    assert 'href="#main"' in body
    assert "CSRF" not in body


@pytest.mark.parametrize("role", roles.ROLES)
def test_every_admin_page_answers_and_every_refusal_is_the_back_offices_page(client, role):
    """Every page of the admin's URL table, for every role: never a 500, and each 403 is the
    admin-styled page, the same whatever was refused (it names no permission or record)."""
    data = back_office_data()
    user = data.users[role]
    client.force_login(user)
    refused = []
    for page in admin_pages(user, data):
        response = client.get(page.url)
        assert response.status_code in (200, 302, 403, 404, 405), (page, response.status_code)
        if response.status_code == 403:
            body = response.content.decode()
            assert f"<h1>{ADMIN_403_TITLE}</h1>" in body, page
            assert "Clinic back office" in body, page
            assert "needs" not in body.split('id="content"')[1], page
            refused.append(page.url)
    if role == roles.EDITOR:
        assert reverse("admin:booking_schedule_day") in refused
        assert reverse("admin:booking_appointment_changelist") in refused


def test_the_admin_403_keeps_the_admins_menu_for_what_the_user_may_open(client):
    data = back_office_data()
    client.force_login(data.users[roles.EDITOR])
    body = client.get(reverse("admin:booking_schedule_day")).content.decode()
    assert reverse("admin:education_article_changelist") in body
    assert reverse("admin:booking_patient_changelist") not in body
