"""Which language a request is served in (issue 17).

- Public pages (home, articles, booking) have one URL per language: English at `/book/`,
  Spanish at `/es/book/` (`i18n_patterns` in clinic/urls.py), so search engines get `hreflang`
  alternates and the URL alone says the language. A first visit without a prefix and without
  the language cookie goes where the browser's Accept-Language points; after that the cookie
  (never the session) records the language last read, so choosing English sticks.
- Private-link pages (`token` in the URL), the API, webhooks and the back office have no prefix.
  Private pages render in the language stored on the link's patient (or waitlist entry); the
  back office stays English.
- The switch on every page: a link on pages without a form; on a page with a form, a button
  that posts what was typed to the other language's URL with `_language`, and the view shows
  the same form again, filled in, without acting on it (`language_switch_requested`). On a
  private page the switch also stores the choice on the patient, for every later message.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import get_script_prefix, get_urlconf, is_valid_path, translate_url
from django.utils import translation
from django.utils.cache import patch_vary_headers

from booking.patients.language import language_for_token, language_store_for_token

SWITCH_FIELD = "_language"
# What a bare switch posts besides its own field: nothing typed, so a redirect is enough.
_SWITCH_ONLY = {SWITCH_FIELD, "csrfmiddlewaretoken"}


def supported(code: str | None) -> str | None:
    return code if code in settings.PATIENT_LANGUAGES else None


def path_language(path: str) -> str | None:
    """The language a URL prefix names, or None for a prefix-less URL."""
    return supported(translation.get_language_from_path(path))


def alternate_url(path: str, language: str) -> str:
    """The same public page in `language` (the path unchanged where there is no such page)."""
    return _alternate_url(
        get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), path, language
    )


@functools.lru_cache(maxsize=4096)
def _alternate_url(urlconf: str, script_prefix: str, path: str, language: str) -> str:
    # Resolving and reversing the path is the same work for every request of a page, and a
    # page asks up to five times (this middleware, the switch and the hreflang links): kept per
    # URL configuration, script prefix, path and language, which are all it depends on.
    # translate_url resolves in the active language: the path's own.
    with translation.override(path_language(path) or settings.LANGUAGE_CODE):
        return translate_url(path, language)


def _browser_language(request: HttpRequest) -> str:
    # Without a cookie (checked by the caller) this reads Accept-Language only.
    return supported(translation.get_language_from_request(request)) or settings.LANGUAGE_CODE


class LanguageMiddleware:
    """Activates the URL's language (English without a prefix) and sends a first visit to the
    browser's language. Must come before CommonMiddleware, whose redirects resolve URLs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The thread's language is put back afterwards: a worker thread (or a test) that runs
        # other code next must not carry this request's language into it.
        previous = translation.get_language()
        try:
            return self._serve(request)
        finally:
            translation.activate(previous)

    def _serve(self, request: HttpRequest) -> HttpResponse:
        prefixed = path_language(request.path_info)
        language = prefixed or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        request.language_switch = None
        reading = request.method in ("GET", "HEAD")
        # A prefix-less public page (not the API, a private link or the back office) is the
        # English one: it may send a first visit to the browser's language.
        public_english = (
            prefixed is None
            and reading
            and alternate_url(request.path_info, "es") != request.path_info
        )
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if public_english and cookie is None:
            wanted = _browser_language(request)
            if wanted != language:
                target = self._public_target(request, wanted)
                if target:
                    response = HttpResponseRedirect(target)
                    patch_vary_headers(response, ("Accept-Language", "Cookie"))
                    return response
        response = self.get_response(request)
        # A view may have switched (a private page in the patient's language).
        shown = translation.get_language()
        response.headers.setdefault("Content-Language", shown)
        if public_english:
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        if (
            (public_english or (prefixed and reading))
            and response.status_code == 200
            and cookie != shown
        ):
            self._remember(response, shown)
        return response

    @staticmethod
    def _public_target(request: HttpRequest, language: str) -> str | None:
        path = f"/{language}{request.path_info}"
        with translation.override(language):
            if not is_valid_path(path):
                return None
        query = request.META.get("QUERY_STRING", "")
        return f"{path}?{query}" if query else path

    @staticmethod
    def _remember(response: HttpResponse, language: str) -> None:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
        )


def _private_token(request: HttpRequest, view_kwargs: dict) -> str | None:
    """The private link's token, for a prefix-less page outside the back office."""
    token = view_kwargs.get("token")
    if not isinstance(token, str) or path_language(request.path_info) is not None:
        return None
    return None if request.path_info.startswith(f"/{settings.ADMIN_URL}") else token


class _ViewMiddleware:
    """A middleware that acts only in `process_view` (once the URL's kwargs are known)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)


class PrivatePageLanguageMiddleware(_ViewMiddleware):
    """Private pages in the language stored on the link's patient. Before CsrfViewMiddleware,
    so that a refused form (a page left open too long) is explained in that language too; it
    only reads."""

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        token = _private_token(request, view_kwargs)
        stored = language_for_token(token) if token else None
        if stored:
            translation.activate(stored)
            request.LANGUAGE_CODE = stored


class LanguageSwitchMiddleware(_ViewMiddleware):
    """The switch posted from a page with a form. After CsrfViewMiddleware: on a private page
    a switch changes what is stored on the patient."""

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        token = _private_token(request, view_kwargs)
        if request.method != "POST" or SWITCH_FIELD not in request.POST:
            return None
        wanted = supported(request.POST.get(SWITCH_FIELD))
        if wanted is None:
            return None
        if token:
            language_store_for_token(token, wanted)
            translation.activate(wanted)
            request.LANGUAGE_CODE = wanted
        request.language_switch = wanted
        if set(request.POST) <= _SWITCH_ONLY:
            return HttpResponseRedirect(request.get_full_path(), status=303)
        return None


def language_switch_requested(request: HttpRequest) -> bool:
    """Whether this POST only asks to see the page in another language (the view shows its form
    again with what was typed, and acts on nothing)."""
    return bool(getattr(request, "language_switch", None))


def redisplay(form):
    """The posted form shown again as typed, without error messages: a language switch is not
    a submission. Returns the form."""
    form._errors = ErrorDict()
    form.cleaned_data = {}
    return form


def typed_data(request: HttpRequest) -> dict:
    """What the patient typed, as a form's `initial`, when the POST was a language switch."""
    if not language_switch_requested(request):
        return {}
    data: QueryDict = request.POST
    return {
        key: (values if len(values) > 1 else values[0])
        for key, values in data.lists()
        if key not in _SWITCH_ONLY
    }
