"""The article page in real Chromium: the site's CSP blocks nothing on it, axe finds no
accessibility problem (tests/accessibility.py's rules), and the JSON-LD is readable from the
rendered DOM."""

import json

import pytest

from tests.accessibility import axe_violations
from tests.factories import ArticleFactory

# serialized_rollback: the flush after a live-server test must not take the rows the
# migrations made (clinic profile, starter articles, staff groups) from the tests after it.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]


def test_article_page_has_no_csp_violations_or_axe_issues(live_server, page):
    article = ArticleFactory(
        title="Knee pain explained",
        body="## Why it hurts\n\nCartilage wears down.\n\n- Pain\n- Stiffness\n\n[Book](/book/)",
    )
    csp_errors = []
    page.on(
        "console",
        lambda msg: "Content Security Policy" in msg.text and csp_errors.append(msg.text),
    )

    page.goto(live_server.url + article.get_absolute_url())

    assert page.locator("h1").inner_text() == "Knee pain explained"
    assert csp_errors == []
    data = json.loads(page.locator('script[type="application/ld+json"]').inner_text())
    assert data["@type"] == "MedicalWebPage"
    assert axe_violations(page) == []


def test_spanish_library_and_article_pass_axe_and_switch_to_the_english_version(live_server, page):
    english = ArticleFactory(title="Hip pain explained", slug="hip-pain-explained")
    ArticleFactory(
        title="El dolor de cadera explicado",
        slug="dolor-de-cadera-explicado",
        language="es",
        translation_of=english,
        topic=english.topic,
    )
    ArticleFactory(title="Only written in English", slug="only-written-in-english")

    page.goto(live_server.url + "/es/learn/")
    assert page.locator("html").get_attribute("lang") == "es"
    badge = page.locator(".education-other-language")
    assert badge.count() == 1
    assert page.locator('a[hreflang="en"]', has_text="Only written in English").count() == 1
    assert axe_violations(page) == []

    page.goto(live_server.url + "/es/learn/dolor-de-cadera-explicado/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert axe_violations(page) == []
    page.locator(".site-languages a").first.click()
    page.wait_for_url("**/learn/hip-pain-explained/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Hip pain explained"
