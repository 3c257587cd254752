from django.urls import path

from education import views
from education.feeds import LatestArticlesFeed

app_name = "education"

# The fixed paths come first; education.models.RESERVED_SLUGS keeps articles off them.
urlpatterns = [
    path("", views.article_list, name="article_list"),
    path("search/", views.search, name="search"),
    path("feed/", LatestArticlesFeed(), name="feed"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic_detail"),
    path("<slug:slug>/", views.article_detail, name="article_detail"),
]
