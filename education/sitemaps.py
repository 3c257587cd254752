from django.contrib.sitemaps import Sitemap


class ArticleSitemap(Sitemap):
    def items(self) -> list:
        return []


class TopicSitemap(Sitemap):
    def items(self) -> list:
        return []
