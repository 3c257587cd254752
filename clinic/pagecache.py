"""Public pages that change a few times a year, served from a cache every web process and host
shares (the `pages` cache: Redis in production, a folder under VAR_DIR otherwise).

`PageCacheMiddleware` serves the views named in settings.PAGE_CACHE_VIEWS (home, /book/, the
library's list, topics and articles, the privacy notice, the sitemap and the feed) through
`page_cache`, which may also decorate a view. Named in settings rather than decorated in place:
booking's and education's views stay free of the project's wiring. It runs last, around the
view alone: sessions, CSRF, the language of the URL, authentication and messages have run
before it, and the headers the middlewares add on the way out (security headers, CSP,
Content-Language, the language cookie, Vary, Cache-Control) are added to a page from the cache
as to a page just made; the cache holds only what the view returned.

What makes a hit correct:
- The key holds the content stamp (education/page_stamp.py): a value the database changes, in
  the same transaction, with any write to a table the pages read, by whatever path. It is read
  before the page is made, so a page can only ever be filed under a stamp at least as old as
  the content in it: after a change commits, no request anywhere is given the page from before.
  Then the language, scheme, host, path, the code and templates of this release (`_release`)
  and the settings a page prints. One query a hit (the stamp); none for the page itself.
- Time: an article whose publish time is in the future appears when it comes, without any
  write: the stamp holds the earliest such time still to come, so it changes when that passes.
- Only what is the same for everyone is kept or served: GET or HEAD, no query string, no
  signed-in user (staff see previews and edit links), no pending message; a response is kept
  only if it is a 200 that sets no cookie, reads no session, puts no CSRF token in the page
  (`get_token` not called) and does not ask not to be stored.
- The CSP nonce: a page that printed this request's nonce is stored with it, and served with
  a fresh nonce in its place (the middleware puts the same fresh one in the header), so a
  nonce is never replayed.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from education.page_stamp import content_stamp

CACHE_ALIAS = "pages"
_READING = ("GET", "HEAD")
_NOT_STORED = ("private", "no-store", "no-cache")
# Settings a page prints or that shape its addresses; a change of any one is a new key even
# without a new release.
_KEY_SETTINGS = (
    "SITE_URL",
    "STATIC_URL",
    "MEDIA_URL",
    "LANGUAGES",
    "LANGUAGE_CODE",
    "TIME_ZONE",
    "DEBUG",
    "PAGE_CACHE_VERSION",
)


@dataclass(frozen=True)
class _Entry:
    content: bytes
    headers: tuple[tuple[str, str], ...]
    nonce: str  # the nonce printed in `content` ("" for none), replaced when served


@functools.cache
def _release() -> str:
    """This release: a hash of the code, templates and translations, the locked requirements
    (the installed packages' templates) and the static manifest (hashed file names). A page
    cached by another release is never served by this one. By content, not modification
    times, so hosts running the same release share their pages. Once per process (about 40 ms
    on this machine): a deploy restarts the processes."""
    base = Path(settings.BASE_DIR)
    files = [base / "requirements.lock"]
    static_root = getattr(settings, "STATIC_ROOT", None)
    if static_root:
        files.append(Path(static_root) / "staticfiles.json")
    for package in ("booking", "care", "clinic", "education", "templates", "locale"):
        for folder, _dirs, names in os.walk(base / package):
            files.extend(
                Path(folder) / name for name in names if name.endswith((".py", ".html", ".mo"))
            )
    digest = hashlib.sha256()
    for path in sorted(files):
        if path.is_file():
            digest.update(f"{path.relative_to(base)}\x00".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


@functools.cache
def _settings_fingerprint() -> str:
    values = repr(tuple(getattr(settings, name, None) for name in _KEY_SETTINGS))
    return hashlib.sha256(values.encode()).hexdigest()[:16]


def _forget_settings(**kwargs) -> None:
    # Tests change settings (override_settings) without a restart.
    _settings_fingerprint.cache_clear()


setting_changed.connect(_forget_settings)


def _is_anonymous_without_messages(request: HttpRequest) -> bool:
    # Without a session cookie nobody is signed in: no query. With one, the session is read
    # (one query with database sessions) to know.
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        user = getattr(request, "user", None)
        if user is None or user.is_authenticated:
            return False
    storage = getattr(request, "_messages", None)
    # len() loads the stored messages without marking them shown.
    return storage is None or len(storage) == 0


def _wanted(request: HttpRequest) -> bool:
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in _READING
        and not request.META.get("QUERY_STRING")
        and _is_anonymous_without_messages(request)
    )


def _key(request: HttpRequest, stamp: str) -> str:
    # The path is public (no health detail is ever in a public page's address); hashed all the
    # same, to keep keys short.
    parts = "\x00".join(
        (
            _release(),
            _settings_fingerprint(),
            stamp,
            connection.alias,
            translation.get_language() or "",
            request.scheme,
            request.get_host(),
            request.path,
        )
    )
    return "page:" + hashlib.sha256(parts.encode()).hexdigest()


def _storable(request: HttpRequest, response: HttpResponse, *, view_read_session: bool) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if view_read_session or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    storage = getattr(request, "_messages", None)
    if storage is not None and (storage.added_new or len(storage)):
        return False
    cache_control = response.get("Cache-Control", "")
    return not any(word in cache_control for word in _NOT_STORED)


def _nonce_printed(request: HttpRequest) -> str:
    nonce = getattr(request, "_csp_nonce", None)
    # A LazyNonce is true once generated, which a template printing it does.
    return str(nonce) if nonce else ""


def _store(request: HttpRequest, response: HttpResponse, key: str) -> None:
    entry = _Entry(
        content=response.content,
        headers=tuple((name, value) for name, value in response.items()),
        nonce=_nonce_printed(request),
    )
    caches[CACHE_ALIAS].set(key, entry, settings.PAGE_CACHE_SECONDS)


def _serve(request: HttpRequest, entry: _Entry) -> HttpResponse | None:
    content = entry.content
    if entry.nonce:
        fresh = getattr(request, "_csp_nonce", None)
        if fresh is None:
            return None  # no CSP middleware to put a fresh nonce in the header: made afresh
        content = content.replace(entry.nonce.encode(), str(fresh).encode())
    response = HttpResponse(content)
    for name, value in entry.headers:
        response[name] = value
    return response


def page_cache(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve the view's page from the shared page cache when it is the same for everyone."""

    @functools.wraps(view)
    def cached_view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _wanted(request):
            return view(request, *args, **kwargs)
        stamp = content_stamp(now=timezone.now())
        if stamp is None:  # the stamp's row is missing: nothing can be known fresh
            return view(request, *args, **kwargs)
        key = _key(request, stamp)
        cache = caches[CACHE_ALIAS]
        entry = cache.get(key)
        if entry is not None:
            response = _serve(request, entry)
            if response is not None:
                return response
        session = getattr(request, "session", None)
        accessed_before = session.accessed if session is not None else False
        if session is not None:
            session.accessed = False
        response = view(request, *args, **kwargs)
        view_read_session = session is not None and session.accessed
        if session is not None:
            session.accessed = accessed_before or view_read_session
        if hasattr(response, "render") and callable(response.render):
            response = response.render()  # a TemplateResponse (the sitemap) is made here
        if _storable(request, response, view_read_session=view_read_session):
            _store(request, response, key)
        return response

    return cached_view


class PageCacheMiddleware:
    """`page_cache` around the views named in settings.PAGE_CACHE_VIEWS. Last in MIDDLEWARE:
    every other middleware's process_view has run when it calls the view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.views = frozenset(settings.PAGE_CACHE_VIEWS)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.view_name not in self.views:
            return None
        return page_cache(view_func)(request, *view_args, **view_kwargs)
