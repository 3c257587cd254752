"""What search engines and link previews read: canonical URLs and schema.org JSON-LD."""

from __future__ import annotations

import json

from django.conf import settings

from booking.interface import ClinicProfile
from education.models import Article

# The same escapes as Django's json_script: the JSON can never close its <script> element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def json_ld(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)


def article_json_ld(article: Article, *, clinic: ClinicProfile) -> dict:
    """A schema.org MedicalWebPage describing the article and who last reviewed it."""
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": article.title,
        "headline": article.title,
        "description": article.summary,
        "url": absolute_url(article.get_absolute_url()),
        # Written for readers in the US, in English or in Spanish.
        "inLanguage": f"{article.language}-US",
        "keywords": article.topic.display_name,
        "audience": {"@type": "MedicalAudience", "audienceType": "Patient"},
        "publisher": {"@type": "MedicalClinic", "name": clinic.name},
    }
    if article.published_at:
        data["datePublished"] = article.published_at.isoformat()
    data["dateModified"] = article.updated_at.isoformat()
    if article.last_reviewed_on:
        data["lastReviewed"] = article.last_reviewed_on.isoformat()
    if article.medical_reviewer:
        data["reviewedBy"] = {"@type": "Person", "name": article.medical_reviewer}
    if article.author:
        data["author"] = {"@type": "Person", "name": article.author}
    if article.image:
        data["image"] = absolute_url(article.image.url)
    return data
