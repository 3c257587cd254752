"""The library in the sitemap, with hreflang alternates between the languages of a page.

Topic pages and the library's index have the same path in every language (/learn/...,
/es/learn/...): Django's i18n sitemap lists each once per language with its alternates. An
article's versions each have their own slug, which Django's i18n sitemap cannot know, so each
live version is listed at its own address and its alternates are its other live versions.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from education.models import Article, Topic


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.7

    def items(self) -> list[Article]:
        return list(Article.objects.published().order_by("language", "slug"))

    def lastmod(self, item: Article) -> datetime:
        return item.updated_at

    def get_urls(self, page=1, site=None, protocol=None) -> list[dict]:
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        base = f"{self.get_protocol(protocol)}://{self.get_domain(site)}"
        # Every live article is in this page's items or another's; one query for the lot.
        versions: dict[int, list[Article]] = {}
        for article in self.items():
            versions.setdefault(article.original_id, []).append(article)
        for url in urls:
            siblings = versions.get(url["item"].original_id, [])
            if len(siblings) < 2:
                continue
            url["alternates"] = [
                {"location": base + sibling.get_absolute_url(), "lang_code": sibling.language}
                for sibling in siblings
            ]
            default = next((s for s in siblings if s.language == settings.LANGUAGE_CODE), None)
            if default is not None:
                url["alternates"].append(
                    {"location": base + default.get_absolute_url(), "lang_code": "x-default"}
                )
        return urls


class TopicSitemap(Sitemap):
    """The library's index page and every topic that has a published article, in each
    language (a topic's page lists the other language's articles too, marked as such)."""

    changefreq = "weekly"
    priority = 0.6
    i18n = True
    alternates = True
    x_default = True

    def items(self) -> list[Topic | str]:
        topics = Topic.objects.filter(pk__in=Article.objects.published().values("topic"))
        return ["education:article_list", *topics.order_by("display_order", "name")]

    def location(self, item: Topic | str) -> str:
        if isinstance(item, str):
            return reverse(item)
        return item.get_absolute_url()
