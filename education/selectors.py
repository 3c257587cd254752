"""Reads of the article library with real logic: joint matching, grouping by topic, search.

Each runs in a fixed number of queries, however many articles there are.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When
from django.utils import timezone

from booking.interface import Joint
from education.models import Article, Topic

SEARCH_RESULT_LIMIT = 20
SEARCH_MAX_TERMS = 8


def articles_for_joints(joints: list[str], *, limit: int = 3) -> list[Article]:
    """Published articles about the given joints (booking.interface.Joint values), newest first."""
    wanted = {joint for joint in joints if joint in Joint.values}
    if not wanted or limit <= 0:
        return []
    matching = Article.objects.published().filter(joint_tags__joint__in=wanted).values("pk")
    return list(
        Article.objects.filter(pk__in=matching)
        .select_related("topic")
        .order_by("-published_at", "title")[:limit]
    )


def _published_for_lists(*, now=None):
    return (
        Article.objects.published(now=now)
        .select_related("topic")
        .order_by("-published_at", "title")
    )


def topic_list_with_articles(*, per_topic: int = 6) -> list[Topic]:
    """Topics that have published articles, each with its newest `live_articles` (at most
    `per_topic`) and `live_count`, the number of its published articles."""
    now = timezone.now()
    live = Q(articles__status=Article.Status.PUBLISHED, articles__published_at__lte=now)
    topics = (
        Topic.objects.annotate(live_count=Count("articles", filter=live))
        .filter(live_count__gt=0)
        .prefetch_related(
            Prefetch(
                "articles",
                queryset=_published_for_lists(now=now)[:per_topic],
                to_attr="live_articles",
            )
        )
    )
    return list(topics)


def topic_get_with_articles(*, slug: str) -> tuple[Topic | None, list[Article]]:
    """A topic and its published articles; (None, []) when the topic does not exist."""
    topic = Topic.objects.filter(slug=slug).first()
    if topic is None:
        return None, []
    return topic, list(_published_for_lists().filter(topic=topic))


def article_get_for_reader(*, slug: str, can_preview: bool) -> Article | None:
    """The article with its topic, booking link and live related articles.

    The public sees only live articles; staff who may view articles also see drafts and
    scheduled ones (a preview). Anything else is None: a draft does not reveal it exists.
    """
    articles = Article.objects.select_related("topic", "consultation_type").prefetch_related(
        Prefetch("related", queryset=_published_for_lists(), to_attr="live_related")
    )
    if not can_preview:
        articles = articles.published()
    return articles.filter(slug=slug).first()


def article_search(query: str) -> list[Article]:
    """Published articles matching the query, best match first (title, then summary, then body)."""
    query = query.strip()
    if not query:
        return []
    if connection.vendor == "postgresql":
        return _search_postgres(query)
    return _search_fallback(query)


def _search_postgres(query: str) -> list[Article]:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    vector = (
        SearchVector("title", weight="A", config="english")
        + SearchVector("summary", weight="B", config="english")
        + SearchVector("body", weight="C", config="english")
    )
    search_query = SearchQuery(query, search_type="websearch", config="english")
    return list(
        _published_for_lists()
        .annotate(document=vector, rank=SearchRank(vector, search_query))
        .filter(document=search_query)
        .order_by("-rank", "-published_at")[:SEARCH_RESULT_LIMIT]
    )


def _search_fallback(query: str) -> list[Article]:
    """SQLite: every word must appear somewhere; a word in the title weighs most."""
    terms = query.split()[:SEARCH_MAX_TERMS]
    matches = Q()
    score = Value(0)
    for term in terms:
        matches &= Q(title__icontains=term) | Q(summary__icontains=term) | Q(body__icontains=term)
        score = score + Case(
            When(title__icontains=term, then=Value(4)),
            When(summary__icontains=term, then=Value(2)),
            default=Value(1),
            output_field=IntegerField(),
        )
    return list(
        _published_for_lists()
        .filter(matches)
        .annotate(rank=score)
        .order_by("-rank", "-published_at")[:SEARCH_RESULT_LIMIT]
    )
