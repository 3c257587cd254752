"""The site shell's header and footer, kept rendered per language and clinic profile
(clinic/templatetags/shell.py): a profile change shows at once, each language has its own, the
language switch stays the page's own, and keeping them costs no query."""

from __future__ import annotations

import pytest

from booking.models import ClinicProfile
from tests.factories import ConsultationTypeFactory, PractitionerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def picker_url():
    ctype = ConsultationTypeFactory(slug="knee-review")
    PractitionerFactory(consultation_types=[ctype])
    return "/book/knee-review/"


def _footer(html: str) -> str:
    return html[html.index('<footer class="site-footer') :]


@pytest.mark.parametrize("how", ["save", "update"])
def test_a_profile_change_shows_in_header_and_footer_at_once(client, picker_url, how):
    client.get(picker_url)
    client.get(f"/es{picker_url}")
    if how == "save":
        profile = ClinicProfile.objects.get(pk=1)
        profile.phone, profile.opening_hours = "(413) 555-0777", "Mon-Fri 7-7"
        profile.save()
    else:
        ClinicProfile.objects.filter(pk=1).update(
            phone="(413) 555-0777", opening_hours="Mon-Fri 7-7"
        )
    for url in (picker_url, f"/es{picker_url}"):
        html = client.get(url).content.decode()
        assert 'href="tel:(413)555-0777"' in html.split("</header>")[0]
        assert "Mon-Fri 7-7" in _footer(html)


def test_each_language_has_its_own_shell(client, picker_url):
    english = client.get(picker_url).content.decode()
    spanish = client.get(f"/es{picker_url}").content.decode()
    assert "Book a consultation" in english
    assert "Book a consultation" not in spanish
    assert "Privacy notice" in _footer(english)
    assert "Privacy notice" not in _footer(spanish)
    assert client.get(picker_url).content.decode().count("Book a consultation") == english.count(
        "Book a consultation"
    )


def test_the_language_switch_is_each_pages_own(client, picker_url):
    client.get(picker_url)
    assert f'href="/es{picker_url}"' in client.get(picker_url).content.decode()
    assert 'href="/es/learn/?page=1"' in client.get("/learn/?page=1").content.decode()
    assert f'href="{picker_url}"' in client.get(f"/es{picker_url}").content.decode()


def test_a_kept_shell_costs_no_query(client, picker_url, django_assert_num_queries):
    client.get(picker_url)
    # The catalogue's stamp and busy time (booking/catalogue.py keeps the rest).
    with django_assert_num_queries(2):
        client.get(picker_url)
