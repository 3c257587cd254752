"""Markdown to sanitised HTML: what editors write can never run script on a patient's screen."""

from __future__ import annotations

import hashlib

import markdown
import nh3

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol", "p",
        "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}
# No javascript:, data: or vbscript: links; relative links (no scheme) stay allowed.
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
# Raise when a change here renders the same Markdown differently (the allow-lists and the
# libraries' versions are counted in by themselves): every stored rendering
# (Article.body_rendered) is then made again on its next read or save.
RULES_VERSION = "1"
_RULES = repr(
    (
        RULES_VERSION,
        sorted(ALLOWED_TAGS),
        sorted((tag, sorted(attrs)) for tag, attrs in ALLOWED_ATTRIBUTES.items()),
        sorted(ALLOWED_URL_SCHEMES),
        markdown.__version__,
        getattr(nh3, "__version__", ""),
    )
)


def render_markdown(text: str) -> str:
    """Markdown rendered to HTML, then cleaned to a small allow-list of tags and attributes."""
    html = markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    # The page's own title is the only <h1>; a "# heading" in the body becomes a section.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def body_fingerprint(text: str) -> str:
    """Which text, under which rules, a stored rendering was made from (hashing is about a
    thousand times cheaper than rendering)."""
    return hashlib.sha256(f"{_RULES}\x00{text}".encode()).hexdigest()


def markdown_to_text(text: str) -> str:
    """The visible words of a Markdown text, for reading-level checks and search snippets."""
    return nh3.clean(render_markdown(text), tags=set())
