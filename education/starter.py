"""The starter article set: Markdown files in education/content/, each with a small header;
their Spanish versions in education/content/es/, whose header names the English original
(`translation_of: <English slug>`).

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


# Kept apart from TOPICS: migration 0002 creates topics from TOPICS with the model as it was
# then, which had no Spanish fields.
TOPICS_ES = {
    "joint-pain-causes": {
        "name_es": "El dolor en las articulaciones y sus causas",
        "description_es": "Cómo funcionan las articulaciones y por qué suelen doler: artritis, "
        "lesiones y uso excesivo.",
    },
    "regenerative-medicine": {
        "name_es": "Medicina regenerativa",
        "description_es": "Qué es la terapia con células madre, cómo se cree que funciona y qué "
        "se sigue estudiando.",
    },
    "getting-care": {
        "name_es": "Recibir atención",
        "description_es": "Qué incluye una evaluación profesional y cómo le ayuda a decidir.",
    },
}


@dataclass(frozen=True)
class StarterArticle:
    slug: str
    title: str
    topic: str
    summary: str
    joints: tuple[str, ...]
    consultation: str
    body: str
    language: str = "en"
    # The English original's slug, for a version in another language.
    translation_of: str = ""


def parse_article(text: str, *, language: str = "en") -> StarterArticle:
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
        language=fields.get("language", language),
        translation_of=fields.get("translation_of", ""),
    )


def starter_articles(language: str = "en") -> list[StarterArticle]:
    """The starters in one language (English: the originals; the default, as migrations 0002
    and 0003 expect)."""
    folder = CONTENT_DIR if language == "en" else CONTENT_DIR / language
    return [
        parse_article(path.read_text(encoding="utf-8"), language=language)
        for path in sorted(folder.glob("*.md"))
    ]
