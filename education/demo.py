"""Demo content: the starter articles published under a reviewer marked as a placeholder.

Idempotent: articles a person has since reviewed, edited into another state, or unpublished
after the demo published them are left as they are.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from booking.interface import ConsultationType
from education import services
from education.models import Article, ArticleJoint, Topic
from education.starter import TOPICS, starter_articles

DEMO_REVIEWER = "Demo reviewer (placeholder, not a real clinician)"
DEMO_AUTHOR = "Clinic education team (demo)"


@transaction.atomic
def seed_demo(stdout) -> None:
    topics = {}
    for spec in TOPICS:
        spec = dict(spec)
        slug = spec.pop("slug")
        topics[slug], _ = Topic.objects.get_or_create(slug=slug, defaults=spec)
    consultation_types = {ct.slug: ct for ct in ConsultationType.objects.all()}

    to_publish = []
    for starter in starter_articles():
        article, created = Article.objects.get_or_create(
            slug=starter.slug,
            defaults={
                "title": starter.title,
                "topic": topics[starter.topic],
                "summary": starter.summary,
                "body": starter.body,
            },
        )
        if created:
            ArticleJoint.objects.bulk_create(
                [ArticleJoint(article=article, joint=joint) for joint in starter.joints]
            )
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
    _link_related()
    stdout.write(_publish_summary(newly=len(to_publish)))


def _publish_summary(*, newly: int) -> str:
    """What a run did, read as a count of articles on the site, not "0 published" on a rerun."""
    live = Article.objects.published().filter(slug__in=[s.slug for s in starter_articles()])
    total = live.count()
    noun = "article" if total == 1 else "articles"
    if newly == 0:
        return f"Education: {total} starter {noun} already published."
    if newly == total:
        return f"Education: {total} starter {noun} published for the demo."
    return f"Education: {total} starter {noun} published ({newly} just now, for the demo)."


def _link_related() -> None:
    """Each starter article points to the others of its topic, plus the evaluation article."""
    articles = list(Article.objects.filter(slug__in=[s.slug for s in starter_articles()]))
    evaluation = next((a for a in articles if a.slug == "professional-evaluation"), None)
    for article in articles:
        if article.related.exists():
            continue
        related = [a for a in articles if a.topic_id == article.topic_id and a.pk != article.pk]
        if evaluation is not None and article != evaluation and evaluation not in related:
            related.append(evaluation)
        article.related.set(related[:4])
