"""The starter article set: Markdown files in education/content/, each with a small header.

Read by the data migration (a fresh install gets them as drafts awaiting medical review) and by
the demo seed (which publishes them under a placeholder reviewer). Pure file parsing, no models,
so a migration can use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent / "content"

TOPICS = [
    {
        "slug": "joint-pain-causes",
        "name": "Joint pain and its causes",
        "description": "How joints work, and the common reasons they hurt: arthritis, injuries "
        "and overuse.",
        "display_order": 1,
    },
    {
        "slug": "regenerative-medicine",
        "name": "Regenerative medicine",
        "description": "What stem cell therapy is, how it is thought to work, and what is still "
        "being studied.",
        "display_order": 2,
    },
    {
        "slug": "getting-care",
        "name": "Getting care",
        "description": "What a professional evaluation involves and how it helps you choose.",
        "display_order": 3,
    },
]


@dataclass(frozen=True)
class StarterArticle:
    slug: str
    title: str
    topic: str
    summary: str
    joints: tuple[str, ...]
    consultation: str
    body: str


def parse_article(text: str) -> StarterArticle:
    """One file: a header between '---' lines ('key: value'), then the Markdown body."""
    _, header, body = text.split("---\n", 2)
    fields = {}
    for line in header.strip().splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip().strip('"')
    return StarterArticle(
        slug=fields["slug"],
        title=fields["title"],
        topic=fields["topic"],
        summary=fields["summary"],
        joints=tuple(j.strip() for j in fields.get("joints", "").split(",") if j.strip()),
        consultation=fields.get("consultation", ""),
        body=body.strip() + "\n",
    )


def starter_articles() -> list[StarterArticle]:
    return [parse_article(path.read_text()) for path in sorted(CONTENT_DIR.glob("*.md"))]
