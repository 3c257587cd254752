"""The shared cache of public pages (clinic/pagecache.py): hits, and never stale after a change."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory
from django.utils import timezone

from booking.models import ClinicProfile, ConsultationType
from booking.profile import clinic_profile_get
from clinic.pagecache import page_cache
from education.models import Article, Topic
from education.services import article_publish, article_unpublish
from tests.factories import ArticleFactory, ConsultationTypeFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db

NONCE = re.compile(r'nonce="([^"]+)"')


@pytest.fixture(autouse=True)
def _profile():
    clinic_profile_get()


@pytest.fixture
def article():
    return ArticleFactory(
        title="Knees in winter",
        slug="knees-in-winter",
        topic=TopicFactory(slug="knees", name="Knees"),
        consultation_type=ConsultationTypeFactory(slug="first-visit"),
    )


def _pages(article: Article) -> list[str]:
    return [
        "/",
        "/es/",
        "/book/",
        "/es/book/",
        "/learn/",
        "/es/learn/",
        "/learn/topics/knees/",
        "/es/learn/topics/knees/",
        article.get_absolute_url(),
        "/privacy/",
        "/learn/feed/",
        "/sitemap.xml",
    ]


def _stored() -> int:
    return len(caches["pages"]._cache)


def _without_nonce(content: bytes) -> str:
    return NONCE.sub('nonce=""', content.decode())


def test_every_cached_page_is_served_again_in_one_query(client, article, django_assert_num_queries):
    for url in _pages(article):
        first = client.get(url)
        assert first.status_code == 200, url

        # The content stamp is the one query; the page itself needs none.
        with django_assert_num_queries(1):
            again = client.get(url)

        assert again.status_code == 200
        assert _without_nonce(again.content) == _without_nonce(first.content), url
        assert again["Content-Type"] == first["Content-Type"]
    assert _stored() == len(_pages(article))


def test_headers_of_the_middlewares_apply_to_a_cached_page(client, article):
    client.get("/book/")
    cached = client.get("/book/")

    assert cached["Cache-Control"] == "no-store, private"
    assert cached["Content-Language"] == "en"
    assert "Content-Security-Policy" in cached
    assert cached["Permissions-Policy"]


def test_a_cached_page_gets_a_fresh_nonce_in_body_and_header(client, article):
    first = client.get(article.get_absolute_url())
    second = client.get(article.get_absolute_url())

    nonce_1 = NONCE.search(first.content.decode())[1]
    nonce_2 = NONCE.search(second.content.decode())[1]
    assert nonce_1 != nonce_2
    assert f"'nonce-{nonce_2}'" in second["Content-Security-Policy"]
    assert nonce_1 not in second.content.decode()


def test_english_and_spanish_are_cached_apart(client, article):
    Topic.objects.filter(slug="knees").update(name_es="Rodillas")
    english = client.get("/learn/topics/knees/").content.decode()
    spanish = client.get("/es/learn/topics/knees/").content.decode()
    again = client.get("/es/learn/topics/knees/").content.decode()

    assert '<html lang="en">' in english
    assert '<html lang="es">' in spanish
    assert "Rodillas" in spanish
    assert _without_nonce(again.encode()) == _without_nonce(spanish.encode())


def test_head_is_served_and_fills_the_cache_for_get(client, article, django_assert_num_queries):
    assert client.head("/learn/").status_code == 200

    with django_assert_num_queries(1):
        response = client.get("/learn/")

    assert "Knees in winter" in response.content.decode()


# --- Never stale after a change ----------------------------------------------------------------


def test_an_edit_saved_shows_on_the_next_request(client, article):
    assert "Knees in winter" in client.get("/learn/").content.decode()

    article.title = "Knees when it is cold"
    article.save()

    assert "Knees when it is cold" in client.get("/learn/").content.decode()
    assert "Knees when it is cold" in client.get(article.get_absolute_url()).content.decode()


def test_publish_and_unpublish_by_the_services_show_at_once(client, article):
    draft = ArticleFactory(title="Hips at night", draft=True, topic=article.topic)
    draft.medical_reviewer, draft.last_reviewed_on = "Dr. R, MD", timezone.localdate()
    draft.save()
    assert "Hips at night" not in client.get("/learn/topics/knees/").content.decode()

    article_publish(articles=Article.objects.filter(pk=draft.pk))
    assert "Hips at night" in client.get("/learn/topics/knees/").content.decode()

    article_unpublish(articles=Article.objects.filter(pk=draft.pk))
    assert "Hips at night" not in client.get("/learn/topics/knees/").content.decode()
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_queryset_update_and_delete_show_at_once(client, article):
    client.get("/learn/")
    Article.objects.filter(pk=article.pk).update(title="Renamed by update()")
    assert "Renamed by update()" in client.get("/learn/").content.decode()

    Article.objects.filter(pk=article.pk).delete()
    assert "Renamed by update()" not in client.get("/learn/").content.decode()


def test_a_scheduled_article_appears_when_its_time_comes(client, article, monkeypatch):
    later = timezone.now() + timedelta(hours=1)
    ArticleFactory(title="Shoulders in spring", topic=article.topic, published_at=later)
    assert "Shoulders in spring" not in client.get("/learn/").content.decode()
    assert "Shoulders in spring" not in client.get("/learn/").content.decode()

    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(hours=2))

    assert "Shoulders in spring" in client.get("/learn/").content.decode()


def test_a_topic_change_shows_at_once(client, article):
    client.get("/learn/topics/knees/")
    Topic.objects.filter(slug="knees").update(name="Knees and kneecaps")

    assert "Knees and kneecaps" in client.get("/learn/topics/knees/").content.decode()


@pytest.mark.parametrize("how", ["save", "update"])
def test_a_profile_change_shows_at_once(client, how):
    assert "Clinic of the Lakes" not in client.get("/").content.decode()
    client.get("/es/")

    if how == "save":
        profile = ClinicProfile.objects.get(pk=1)
        profile.name = "Clinic of the Lakes"
        profile.save()
    else:
        ClinicProfile.objects.filter(pk=1).update(name="Clinic of the Lakes")

    assert "Clinic of the Lakes" in client.get("/").content.decode()
    assert "Clinic of the Lakes" in client.get("/es/").content.decode()


def test_a_consultation_type_change_shows_at_once(client):
    ctype = ConsultationTypeFactory(name="Knee review")
    assert "Knee review" in client.get("/book/").content.decode()

    ConsultationType.objects.filter(pk=ctype.pk).update(active=False)

    assert "Knee review" not in client.get("/book/").content.decode()
    assert "Knee review" not in client.get("/").content.decode()


# --- What is never served from the cache, or never kept -----------------------------------------


@pytest.fixture
def cache_reads(monkeypatch):
    reads: list[str] = []
    cache = caches["pages"]
    real_get = cache.get

    def get(key, *args, **kwargs):
        reads.append(key)
        return real_get(key, *args, **kwargs)

    monkeypatch.setattr(cache, "get", get)
    return reads


def test_signed_in_staff_are_never_served_or_stored(client, article, cache_reads):
    client.force_login(UserFactory(is_staff=True))

    assert client.get("/learn/").status_code == 200

    assert cache_reads == []
    assert _stored() == 0


def test_an_anonymous_session_is_still_served(client, article, django_assert_num_queries):
    client.get("/learn/")
    session = client.session
    session["seen"] = True
    session.save()

    # The stamp and the session (to know nobody is signed in).
    with django_assert_num_queries(2):
        assert client.get("/learn/").status_code == 200


def test_a_request_with_messages_shows_them_and_is_neither_served_nor_stored(client, cache_reads):
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies["messages"] = storage._encode([Message(constants.INFO, "Saved for you")])

    assert "Saved for you" in client.get("/").content.decode()

    assert cache_reads == []
    assert _stored() == 0
    del client.cookies["messages"]
    assert "Saved for you" not in client.get("/").content.decode()


def test_a_query_string_is_not_cached(client, article, cache_reads):
    assert client.get("/learn/?utm_source=x").status_code == 200
    assert cache_reads == []


def _anonymous(path: str = "/x/"):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    request.session = SessionStore()
    return request


def test_a_response_that_sets_a_cookie_is_not_stored():
    def view(request):
        response = HttpResponse("hello")
        response.set_cookie("seen", "1")
        return response

    assert page_cache(view)(_anonymous()).status_code == 200
    assert _stored() == 0


def test_a_page_with_a_csrf_token_or_a_session_read_is_not_stored():
    def with_token(request):
        return HttpResponse(f"<input value='{get_token(request)}'>")

    def with_session(request):
        return HttpResponse(str(request.session.get("seen")))

    page_cache(with_token)(_anonymous("/a/"))
    page_cache(with_session)(_anonymous("/b/"))

    assert _stored() == 0


def test_a_page_that_asks_not_to_be_stored_is_not():
    def preview(request):
        response = HttpResponse("draft")
        response["Cache-Control"] = "private, no-store"
        return response

    page_cache(preview)(_anonymous())
    assert _stored() == 0


def test_a_plain_page_is_stored_once():
    calls = []

    def view(request):
        calls.append(1)
        return HttpResponse("same for all")

    first = page_cache(view)(_anonymous())
    second = page_cache(view)(_anonymous())

    assert first.content == second.content == b"same for all"
    assert len(calls) == 1


# --- One cache for every process and host -------------------------------------------------------


def _shared_backends(kind: str, tmp_path):
    """Two cache clients on one backend, as two web processes (or hosts) have."""
    if kind == "file":
        from django.core.cache.backends.filebased import FileBasedCache

        return [FileBasedCache(str(tmp_path / "pages"), {}) for _ in range(2)], None
    from django.conf import settings

    from clinic.redis_cache import RedisCache

    prefix = f"test-pages-{tmp_path.name}"
    backends = [RedisCache(settings.REDIS_URL, {"KEY_PREFIX": prefix}) for _ in range(2)]

    def forget():
        client = backends[0]._cache.get_client(write=True)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)

    return backends, forget


@pytest.mark.parametrize("kind", ["file", pytest.param("redis", marks=pytest.mark.redis)])
def test_two_processes_sharing_one_backend_see_each_others_pages_and_changes(
    client, article, tmp_path, kind, django_assert_num_queries
):
    (one, two), forget = _shared_backends(kind, tmp_path)
    try:
        caches["pages"] = one
        client.get("/learn/")

        caches["pages"] = two
        with django_assert_num_queries(1):
            assert "Knees in winter" in client.get("/learn/").content.decode()

        # An editor's change, the page then made again by the first process...
        Article.objects.filter(pk=article.pk).update(title="Knees all year")
        caches["pages"] = one
        assert "Knees all year" in client.get("/learn/").content.decode()

        # ... and the second one is given the new page, never its old copy.
        caches["pages"] = two
        with django_assert_num_queries(1):
            assert "Knees all year" in client.get("/learn/").content.decode()
    finally:
        if forget:
            forget()


@pytest.mark.redis
def test_the_redis_backend_keeps_one_client_and_works(tmp_path):
    from django.conf import settings

    from clinic.redis_cache import RedisCache

    prefix = f"test-client-{tmp_path.name}"
    cache = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": prefix})
    try:
        cache.set("page", b"content", 30)
        assert cache.get("page") == b"content"
        assert cache._cache.get_client() is cache._cache.get_client(write=True)
    finally:
        cache.delete("page")
