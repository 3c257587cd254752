"""Every public page a search engine should know, gathered from the apps."""

from booking.journey.sitemaps import BookingSitemap
from education.sitemaps import ArticleSitemap, TopicSitemap

SITEMAPS = {
    "booking": BookingSitemap,
    "articles": ArticleSitemap,
    "topics": TopicSitemap,
}
