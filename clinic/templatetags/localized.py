"""The clinic's own texts in the reader's language, in templates (booking/models/localized.py).

A builtin library (settings.TEMPLATES), so a template only changes the expression that prints a
field:

    {{ consultation_type|localized:"name" }}               the text (plain, escaped as usual)
    <p lang="{{ clinic|localized_lang:'what_to_bring' }}">  the language that text is in
    {% translation_pending clinic "what_to_bring" %}        "not translated yet", when it is not
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

from booking.models.localized import localized as _localized
from booking.models.localized import localized_language, localized_pending

register = template.Library()


@register.filter
def localized(obj, field: str) -> str:
    return _localized(obj, field)


@register.filter
def localized_lang(obj, field: str) -> str:
    return localized_language(obj, field) if obj is not None else ""


@register.simple_tag
def translation_pending(obj, field: str) -> str:
    """A short note, in the reader's language, that the text beside it is the English one."""
    if not localized_pending(obj, field):
        return ""
    return format_html(
        '<span class="translation-pending d-block small text-body-secondary">{}</span>',
        gettext(
            "This information is not available in your language yet, so it is shown in English."
        ),
    )
