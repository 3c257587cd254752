"""The article page in real Chromium: the site's CSP blocks nothing on it, axe finds no
serious accessibility problem, and the JSON-LD is readable from the rendered DOM."""

import json
import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from tests.conftest import CHROMIUM
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser.new_page()
        browser.close()


def test_article_page_has_no_csp_violations_or_serious_axe_issues(live_server, page):
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
    results = Axe().run(page)
    serious = [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
