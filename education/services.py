"""Writes with rules: publishing requires a medical review; unpublishing hides at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from education.models import Article


@dataclass
class PublishOutcome:
    published: list[Article] = field(default_factory=list)
    # Articles left as drafts because nobody has medically reviewed them yet.
    awaiting_review: list[Article] = field(default_factory=list)


@transaction.atomic
def article_publish(*, articles: QuerySet[Article], now: datetime | None = None) -> PublishOutcome:
    """Publish the reviewed articles among `articles`; a future publish date is kept (scheduled)."""
    now = now or timezone.now()
    outcome = PublishOutcome()
    # Only the articles' rows: the admin's queryset may join the original (an outer join, which
    # PostgreSQL cannot lock).
    for article in articles.select_for_update(of=("self",)).order_by("pk"):
        if not article.medical_reviewer.strip() or article.last_reviewed_on is None:
            outcome.awaiting_review.append(article)
            continue
        article.status = Article.Status.PUBLISHED
        if article.published_at is None:
            article.published_at = now
        article.save(update_fields=["status", "published_at", "updated_at"])
        outcome.published.append(article)
    return outcome


@transaction.atomic
def article_unpublish(*, articles: QuerySet[Article]) -> int:
    """Back to draft; the publish date is kept so republishing does not re-date the article."""
    count = 0
    for article in articles.select_for_update(of=("self",)).filter(status=Article.Status.PUBLISHED):
        article.status = Article.Status.DRAFT
        article.save(update_fields=["status", "updated_at"])
        count += 1
    return count


def article_record_review(
    *, article: Article, reviewer: str, reviewed_on: date | None = None
) -> Article:
    """Record that `reviewer` (name and credentials) has medically checked the article."""
    article.medical_reviewer = reviewer
    article.last_reviewed_on = reviewed_on or timezone.localdate()
    article.save(update_fields=["medical_reviewer", "last_reviewed_on", "updated_at"])
    return article
