"""The language switch and the hreflang alternates every patient page carries (issue 17)."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from clinic.language import SWITCH_FIELD, alternate_url, path_language

register = template.Library()


def _is_private(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match and "token" in match.kwargs and path_language(request.path_info) is None)


def _alternates(request, context=None) -> dict[str, str]:
    """{language: URL of this page in it}, for public pages that exist in every language.

    A view whose page has another address in each language (an article's slug is its own per
    language) gives them as `alternate_urls` ({} for none)."""
    given = context.get("alternate_urls") if context is not None else None
    if given is not None:
        return dict(given)
    path = request.get_full_path()
    urls = {code: alternate_url(path, code) for code, _name in settings.LANGUAGES}
    return urls if len(set(urls.values())) == len(urls) else {}


@register.inclusion_tag("_language_switch.html", takes_context=True)
def language_switch(context) -> dict:
    """A link to the page in the other language; on a page with a form (the view names it in
    `language_switch_form`) a button that re-posts what was typed; on a private page a small
    form that also stores the choice on the patient."""
    request = context.get("request")
    if request is None:
        return {"choices": []}
    current = translation.get_language()
    private = _is_private(request)
    alternates = {} if private else _alternates(request, context)
    # A view may name where the switch leads when the page has no version in a language.
    targets = {**alternates, **(context.get("language_switch_urls") or {})}
    choices = []
    for code, name in settings.LANGUAGES:
        if code == current:
            continue
        if private:
            url = request.get_full_path()
        else:
            with translation.override(code):
                url = targets.get(code) or reverse("home")
        choices.append({"code": code, "name": name, "url": url})
    return {
        "choices": choices,
        "form_id": context.get("language_switch_form", ""),
        "post": private,
        "field": SWITCH_FIELD,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("_language_alternates.html", takes_context=True)
def language_alternates(context) -> dict:
    """<link rel="alternate" hreflang> for each language of a public page, and x-default."""
    request = context.get("request")
    if request is None or _is_private(request) or getattr(request, "resolver_match", None) is None:
        return {"alternates": []}
    urls = _alternates(request, context)
    alternates = [
        {"code": code, "url": request.build_absolute_uri(url)} for code, url in urls.items()
    ]
    if settings.LANGUAGE_CODE in urls:
        alternates.append(
            {"code": "x-default", "url": request.build_absolute_uri(urls[settings.LANGUAGE_CODE])}
        )
    return {"alternates": alternates}
