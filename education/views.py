from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_safe

from booking.interface import clinic_profile_get
from education import selectors
from education.forms import SearchForm
from education.models import Article
from education.seo import absolute_url, article_json_ld, json_ld


def _can_preview(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and user.is_staff and user.has_perm("education.view_article")


def _booking_url(article: Article) -> str:
    ctype = article.consultation_type
    if ctype is not None and ctype.active:
        return reverse("booking:choose_time", args=[ctype.slug])
    return reverse("booking:start")


def _list_url(language: str) -> str:
    with translation.override(language):
        return reverse("education:article_list")


def _language_links(article: Article, versions: dict[str, Article]) -> dict:
    """The article's other-language addresses, which its slug alone cannot give (each version
    has its own): hreflang alternates for the live versions when there are several, and the
    language switch's target, the library's list where there is no version to go to."""
    alternates = {code: version.get_absolute_url() for code, version in versions.items()}
    if not article.is_live or len(alternates) < 2:
        alternates = {}
    switch = {
        code: alternates.get(code) or _list_url(code)
        for code, _name in settings.LANGUAGES
        if code != article.language
    }
    return {"alternate_urls": alternates, "language_switch_urls": switch}


@require_safe
def article_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "education/article_list.html",
        {
            "topics": selectors.topic_list_with_articles(),
            "search_form": SearchForm(),
            "canonical_url": absolute_url(reverse("education:article_list")),
        },
    )


@require_safe
def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    topic, articles = selectors.topic_get_with_articles(slug=slug)
    if topic is None:
        raise Http404("No such topic.")
    return render(
        request,
        "education/topic_detail.html",
        {
            "topic": topic,
            "articles": articles,
            "canonical_url": absolute_url(topic.get_absolute_url()),
        },
    )


@require_safe
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = selectors.article_get_for_reader(slug=slug, can_preview=_can_preview(request))
    if article is None:
        # Another language's slug under this language's prefix (the address of the English
        # version with /es/ in front): the version in this language, where there is one.
        version = selectors.article_version_elsewhere(slug=slug)
        if version is not None:
            return HttpResponsePermanentRedirect(version.get_absolute_url())
        raise Http404("No such article.")
    preview = not article.is_live
    response = render(
        request,
        "education/article_detail.html",
        {
            "article": article,
            "preview": preview,
            "booking_url": _booking_url(article),
            "canonical_url": absolute_url(article.get_absolute_url()),
            "json_ld": json_ld(article_json_ld(article, clinic=clinic_profile_get())),
            "og_image": absolute_url(article.image.url) if article.image else "",
            **_language_links(article, selectors.article_live_versions(article)),
        },
    )
    if preview:
        # A draft must not be cached by a proxy or indexed if its address leaks.
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    results: list[Article] = []
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        results = selectors.article_search(query)
    response = render(
        request,
        "education/search.html",
        {"form": form, "query": query, "results": results},
    )
    response["X-Robots-Tag"] = "noindex"
    return response
