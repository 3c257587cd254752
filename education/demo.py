"""Demo content: the starter articles, English and Spanish, published under a reviewer marked as
a placeholder.

Idempotent: articles a person has since reviewed, edited into another state, or unpublished
after the demo published them are left as they are.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from booking.interface import ConsultationType
from education import services
from education.models import Article, ArticleJoint, Topic
from education.starter import TOPICS, TOPICS_ES, StarterArticle, starter_articles

DEMO_REVIEWER = "Demo reviewer (placeholder, not a real clinician)"
DEMO_AUTHOR = "Clinic education team (demo)"
# English first: a Spanish starter links to its English original.
LANGUAGES = ("en", "es")
EVALUATION = "professional-evaluation"


@transaction.atomic
def seed_demo(stdout) -> None:
    topics = _topics()
    consultation_types = {ct.slug: ct for ct in ConsultationType.objects.all()}

    to_publish = []
    for language in LANGUAGES:
        for starter in starter_articles(language):
            article = _article(starter, topics)
            # The migration ran before the demo's consultation types existed.
            if article.consultation_type_id is None and starter.consultation in consultation_types:
                article.consultation_type = consultation_types[starter.consultation]
                article.save(update_fields=["consultation_type", "updated_at"])
            awaiting_review = not article.medical_reviewer and article.last_reviewed_on is None
            if article.status == Article.Status.DRAFT and awaiting_review:
                article.author = article.author or DEMO_AUTHOR
                article.save(update_fields=["author", "updated_at"])
                services.article_record_review(article=article, reviewer=DEMO_REVIEWER)
                to_publish.append(article.pk)

    if to_publish:
        services.article_publish(
            articles=Article.objects.filter(pk__in=to_publish), now=timezone.now()
        )
    for language in LANGUAGES:
        _link_related(language)
    stdout.write(_publish_summary(newly=len(to_publish)))


def _topics() -> dict[str, Topic]:
    topics = {}
    for spec in TOPICS:
        spec = dict(spec)
        slug = spec.pop("slug")
        topics[slug], _ = Topic.objects.get_or_create(
            slug=slug, defaults={**spec, **TOPICS_ES.get(slug, {})}
        )
    return topics


def _article(starter: StarterArticle, topics: dict[str, Topic]) -> Article:
    original = None
    if starter.translation_of:
        original = Article.objects.filter(
            language="en", slug=starter.translation_of, translation_of__isnull=True
        ).first()
    article, created = Article.objects.get_or_create(
        language=starter.language,
        slug=starter.slug,
        defaults={
            "title": starter.title,
            "topic": topics[starter.topic],
            "summary": starter.summary,
            "body": starter.body,
            "translation_of": original,
        },
    )
    if created:
        ArticleJoint.objects.bulk_create(
            [ArticleJoint(article=article, joint=joint) for joint in starter.joints]
        )
    return article


def _starter_slugs(language: str) -> list[str]:
    return [s.slug for s in starter_articles(language)]


def _publish_summary(*, newly: int) -> str:
    """What a run did, read as a count of articles on the site, not "0 published" on a rerun."""
    live = Article.objects.published()
    english = live.filter(language="en", slug__in=_starter_slugs("en")).count()
    spanish = live.filter(language="es", slug__in=_starter_slugs("es")).count()
    total = english + spanish
    counts = f"{english} English and {spanish} Spanish starter articles"
    if newly == 0:
        return f"Education: {counts} already published."
    if newly == total:
        return f"Education: {counts} published for the demo."
    return f"Education: {counts} published ({newly} just now, for the demo)."


def _link_related(language: str) -> None:
    """Each starter article points to the others of its topic in its language, plus the
    evaluation article."""
    articles = list(Article.objects.filter(language=language, slug__in=_starter_slugs(language)))
    evaluation_slug = next(
        (s.slug for s in starter_articles(language) if EVALUATION in (s.slug, s.translation_of)),
        "",
    )
    evaluation = next((a for a in articles if a.slug == evaluation_slug), None)
    for article in articles:
        if article.related.exists():
            continue
        related = [a for a in articles if a.topic_id == article.topic_id and a.pk != article.pk]
        if evaluation is not None and article != evaluation and evaluation not in related:
            related.append(evaluation)
        article.related.set(related[:4])
