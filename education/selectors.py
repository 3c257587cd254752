"""Reads of the article library with real logic: joint matching, grouping by topic, search, and
which language version a reader gets.

An article can have a version per language (Article.translation_of links a version to its
original). A reader gets the version in their language where it is live, else the other one
(marked on the page as existing only in that language), theirs listed first.

Each runs in a fixed number of queries, however many articles there are.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.models import Case, IntegerField, Prefetch, Q, Value, When
from django.utils import translation

from booking.interface import Joint
from education.models import Article, Topic

SEARCH_RESULT_LIMIT = 20
SEARCH_MAX_TERMS = 8
# PostgreSQL's text search configuration (stemming, stop words) for each article language.
SEARCH_CONFIGS = {"en": "english", "es": "spanish"}


def reader_language(language: str | None = None) -> str:
    code = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return code if code in SEARCH_CONFIGS else settings.LANGUAGE_CODE


def one_version_each(articles: list[Article], *, language: str) -> list[Article]:
    """One version of each article: the reader's language where given, else the first other;
    the reader's language first, each group in the order given."""
    chosen: dict[int, Article] = {}
    for article in articles:
        current = chosen.get(article.original_id)
        if current is None or (article.language == language != current.language):
            chosen[article.original_id] = article
    position = {article.pk: index for index, article in enumerate(articles)}
    return sorted(chosen.values(), key=lambda a: (a.language != language, position[a.pk]))


def articles_for_joints(
    joints: list[str], *, limit: int = 3, language: str | None = None
) -> list[Article]:
    """Published articles about the given joints (booking.interface.Joint values), newest first,
    in the reader's language first."""
    wanted = {joint for joint in joints if joint in Joint.values}
    if not wanted or limit <= 0:
        return []
    matching = Article.objects.published().filter(joint_tags__joint__in=wanted).values("pk")
    articles = list(
        Article.objects.filter(pk__in=matching)
        .select_related("topic")
        .order_by("-published_at", "title")
    )
    return one_version_each(articles, language=reader_language(language))[:limit]


def _published_for_lists(*, now=None):
    return (
        Article.objects.published(now=now)
        .select_related("topic")
        .order_by("-published_at", "title")
    )


def _by_topic(articles: list[Article]) -> tuple[list[Topic], dict[int, list[Article]]]:
    topics: dict[int, Topic] = {}
    grouped: dict[int, list[Article]] = {}
    for article in articles:
        topics.setdefault(article.topic_id, article.topic)
        grouped.setdefault(article.topic_id, []).append(article)
    ordered = sorted(topics.values(), key=lambda t: (t.display_order, t.name))
    return ordered, grouped


def topic_list_with_articles(*, per_topic: int = 6, language: str | None = None) -> list[Topic]:
    """Topics that have published articles, each with its newest `live_articles` (at most
    `per_topic`, the reader's language first) and `live_count`, the number of its articles (one
    version each)."""
    articles = one_version_each(list(_published_for_lists()), language=reader_language(language))
    topics, grouped = _by_topic(articles)
    for topic in topics:
        topic.live_count = len(grouped[topic.pk])
        topic.live_articles = grouped[topic.pk][:per_topic]
    return topics


def topic_get_with_articles(
    *, slug: str, language: str | None = None
) -> tuple[Topic | None, list[Article]]:
    """A topic and its published articles, one version each, the reader's language first;
    (None, []) when the topic does not exist."""
    topic = Topic.objects.filter(slug=slug).first()
    if topic is None:
        return None, []
    articles = list(_published_for_lists().filter(topic=topic))
    return topic, one_version_each(articles, language=reader_language(language))


def article_get_for_reader(
    *, slug: str, can_preview: bool, language: str | None = None
) -> Article | None:
    """The article in the reader's language with its topic, booking link and live related
    articles.

    The public sees only live articles; staff who may view articles also see drafts and
    scheduled ones (a preview). Anything else is None: a draft does not reveal it exists.
    """
    articles = Article.objects.select_related("topic", "consultation_type").prefetch_related(
        Prefetch("related", queryset=_published_for_lists(), to_attr="live_related")
    )
    if not can_preview:
        articles = articles.published()
    return articles.filter(language=reader_language(language), slug=slug).first()


def article_live_versions(article: Article) -> dict[str, Article]:
    """{language: live version} of every language the article is published in."""
    original = article.original_id
    versions = Article.objects.published().filter(Q(pk=original) | Q(translation_of_id=original))
    return {version.language: version for version in versions.only("pk", "slug", "language")}


def article_version_elsewhere(*, slug: str, language: str | None = None) -> Article | None:
    """The live version in the reader's language of an article whose slug, in another
    language, is `slug` (/es/learn/osteoarthritis/ -> the Spanish version's address)."""
    language = reader_language(language)
    others = Article.objects.exclude(language=language).filter(slug=slug)
    originals = others.values("translation_of_id", "pk")
    ids = {row["translation_of_id"] or row["pk"] for row in originals}
    if not ids:
        return None
    return (
        Article.objects.published()
        .filter(language=language)
        .filter(Q(pk__in=ids) | Q(translation_of_id__in=ids))
        .first()
    )


def article_search(query: str, *, language: str | None = None) -> list[Article]:
    """Published articles in the reader's language matching the query, best match first
    (title, then summary, then body)."""
    query = query.strip()
    if not query:
        return []
    language = reader_language(language)
    if connection.vendor == "postgresql":
        return _search_postgres(query, language)
    return _search_fallback(query, language)


def _search_postgres(query: str, language: str) -> list[Article]:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    config = SEARCH_CONFIGS[language]
    vector = (
        SearchVector("title", weight="A", config=config)
        + SearchVector("summary", weight="B", config=config)
        + SearchVector("body", weight="C", config=config)
    )
    search_query = SearchQuery(query, search_type="websearch", config=config)
    return list(
        _published_for_lists()
        .filter(language=language)
        .annotate(document=vector, rank=SearchRank(vector, search_query))
        .filter(document=search_query)
        .order_by("-rank", "-published_at")[:SEARCH_RESULT_LIMIT]
    )


def _search_fallback(query: str, language: str) -> list[Article]:
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
        .filter(language=language)
        .filter(matches)
        .annotate(rank=score)
        .order_by("-rank", "-published_at")[:SEARCH_RESULT_LIMIT]
    )
