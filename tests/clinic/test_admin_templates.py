"""The project's copies of Django admin templates (templates/admin/...), and the markup the
accessibility fixes rely on. The browser sweep (tests/browser/test_axe_sweep_*.py) runs axe on
the rendered pages; these checks also run on PostgreSQL and without Chromium."""

import hashlib
import re
from pathlib import Path

import django.contrib.admin
import pytest
from django.urls import reverse

from booking.backoffice import roles
from booking.profile import clinic_profile_get
from tests.back_office import back_office_data

ADMIN_TEMPLATES = Path(django.contrib.admin.__file__).parent / "templates"

# Django's originals our full copies were made from (Django 6.1). A new Django that changes one
# fails here: copy the new original over ours and re-apply the changes its comment lists.
COPIED_FROM = {
    "admin/edit_inline/tabular.html": (
        "c86c726f3adcd10d5fdd82c6612977cf5f06338aecd08b4f7ee132b43b5dbbdc"
    ),
    "admin/includes/fieldset.html": (
        "cdcfa96ca6b4672d417f204f48aee1a176bfcf35891f187b7599246162a6f594"
    ),
}


@pytest.mark.parametrize("name", sorted(COPIED_FROM))
def test_copied_admin_templates_match_the_installed_djangos_original(name):
    original = (ADMIN_TEMPLATES / name).read_bytes()
    assert hashlib.sha256(original).hexdigest() == COPIED_FROM[name], (
        f"Django's {name} changed: copy it to templates/{name} again and re-apply our changes"
    )


def _labelled_ids(body: str) -> set[str]:
    return set(re.findall(r'<label[^>]*for="([^"]+)"', body))


@pytest.mark.django_db
def test_every_inline_field_and_file_input_has_a_label(client):
    data = back_office_data()
    client.force_login(data.users[roles.MANAGER])
    practitioner = data.users[roles.CLINICIAN].practitioner
    body = client.get(
        reverse("admin:booking_practitioner_change", args=[practitioner.pk])
    ).content.decode()
    control = r'<(?:input|select|textarea)[^>]*\bid="(id_(?:hours-\d+-\w+|photo))"'
    controls = re.findall(control, body)
    visible = [c for c in controls if not c.endswith(("-id", "-practitioner"))]
    assert "id_photo" in visible
    assert "id_hours-0-weekday" in visible
    assert set(visible) <= _labelled_ids(body)
    assert '<th class="original"></th>' not in body
    assert 'class="wrapper" tabindex="0" role="region"' in body


@pytest.mark.django_db
def test_the_admin_login_has_a_level_one_heading(client):
    body = client.get(reverse("admin:login")).content.decode()
    assert "<h1>Sign in to the back office</h1>" in body


@pytest.mark.django_db
def test_every_admin_page_loads_the_accessibility_stylesheet_and_script(admin_client):
    body = admin_client.get(reverse("admin:index")).content.decode()
    assert "/static/css/admin.css" in body
    assert "/static/js/admin.js" in body


@pytest.mark.django_db
def test_the_phone_number_is_a_link_outside_the_collapsing_menu(client):
    profile = clinic_profile_get()
    profile.phone = "(413) 555-0100"
    profile.save()
    body = client.get(reverse("home")).content.decode()
    header = body.split("<header>")[1].split("</header>")[0]
    before_menu = header.split('id="main-nav"')[0]
    assert re.search(r'<a class="site-phone" href="tel:[^"]+">', before_menu)
