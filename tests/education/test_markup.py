import pytest

from education.markup import render_markdown
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

HOSTILE_BODY = """## Hello

<script>alert("x")</script>

<img src="x" onerror="alert(1)">

<a href="#" onclick="alert(2)">click</a>

[bad link](javascript:alert(3)) and [mixed case](JaVaScRiPt:alert(4)) and
<a href="data:text/html,<script>alert(5)</script>">data</a>

<iframe src="https://evil.example"></iframe><style>body{display:none}</style>

[good link](https://example.org/page) and [booking](/book/)
"""


def test_render_markdown_strips_script_handlers_and_javascript_links():
    html = render_markdown(HOSTILE_BODY)

    lowered = html.lower()
    for forbidden in ("<script", "onerror", "onclick", "javascript:", "data:", "<iframe", "<style"):
        assert forbidden not in lowered, forbidden
    assert "<h2>Hello</h2>" in html
    assert 'href="https://example.org/page"' in html
    assert 'href="/book/"' in html


def test_render_markdown_turns_h1_into_section_heading():
    assert render_markdown("# Title in body").startswith("<h2>Title in body</h2>")


def test_article_page_renders_hostile_body_inert(client):
    article = ArticleFactory(body=HOSTILE_BODY)

    body = client.get(article.get_absolute_url()).content.decode()

    main = body.split('<main id="main"')[1].split("</main>")[0]
    assert "<script" not in main.lower()
    assert "onerror" not in main.lower()
    assert "javascript:" not in main.lower()
    assert 'rel="noopener noreferrer"' in main
