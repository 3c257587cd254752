from __future__ import annotations

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from education.models import Article, Topic


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.7

    def items(self) -> list[Article]:
        return list(Article.objects.published().order_by("slug"))

    def lastmod(self, item: Article) -> datetime:
        return item.updated_at


class TopicSitemap(Sitemap):
    """The library's index page and every topic that has a published article."""

    changefreq = "weekly"
    priority = 0.6

    def items(self) -> list[Topic | str]:
        topics = Topic.objects.filter(pk__in=Article.objects.published().values("topic"))
        return ["education:article_list", *topics.order_by("display_order", "name")]

    def location(self, item: Topic | str) -> str:
        if isinstance(item, str):
            return reverse(item)
        return item.get_absolute_url()
