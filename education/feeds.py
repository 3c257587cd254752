from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext, gettext_lazy

from booking.interface import clinic_profile_get
from education.models import Article
from education.selectors import reader_language

FEED_SIZE = 20


class LatestArticlesFeed(Feed):
    """The newest articles in the feed's language: /learn/feed/ English, /es/learn/feed/
    Spanish (Django's Feed gives the active language as the feed's `xml:lang`)."""

    feed_type = Atom1Feed
    subtitle = gettext_lazy("Plain-language articles about joint pain and its treatment.")

    def title(self) -> str:
        return gettext("Learn about joint pain | %(clinic)s") % {
            "clinic": clinic_profile_get().name
        }

    def link(self) -> str:
        return reverse("education:article_list")

    def items(self) -> list[Article]:
        return list(
            Article.objects.published()
            .filter(language=reader_language())
            .select_related("topic")
            .order_by("-published_at", "title")[:FEED_SIZE]
        )

    def item_title(self, item: Article) -> str:
        return item.title

    def item_description(self, item: Article) -> str:
        return item.summary

    def item_pubdate(self, item: Article) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Article) -> datetime:
        return item.updated_at

    def item_categories(self, item: Article) -> list[str]:
        return [item.topic.display_name]

    def item_author_name(self, item: Article) -> str | None:
        return item.author or None
