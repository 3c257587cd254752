"""The clinic's own texts in the reader's language (issue 17).

A text staff edit in the admin (what to bring, the privacy notice, a consultation type's name, a
practitioner's bio...) has its English field and, beside it, one per other patient language named
`<field>_<code>` (`what_to_bring_es`). A reader sees their language's text when staff have written
it, and the English one otherwise: pages then add a note that it is not translated yet
(`{% translation_pending %}`, clinic/templatetags/localized.py), so a Spanish reader is never left
with nothing, nor misled into thinking the English is all there is.

A plain function rather than a model-translation library: five models, a handful of fields, and
no query, manager or admin magic to keep working across Django releases.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation


def _reader_language(language: str | None) -> str:
    code = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return code if code in settings.PATIENT_LANGUAGES else settings.LANGUAGE_CODE


def localized_field_name(field: str, language: str) -> str:
    """The model field holding `field` in `language`: English is the field itself."""
    return field if language == settings.LANGUAGE_CODE else f"{field}_{language}"


def _written(obj: Any, name: str) -> bool:
    value = getattr(obj, name, None)
    return isinstance(value, str) and bool(value.strip())


def localized_language(obj: Any, field: str, *, language: str | None = None) -> str:
    """The language of the text shown for `field`: the reader's when written, else English."""
    wanted = _reader_language(language)
    if _written(obj, localized_field_name(field, wanted)):
        return wanted
    return settings.LANGUAGE_CODE


def localized(obj: Any, field: str, *, language: str | None = None) -> str:
    """`field` of `obj` in the reader's language (the active one unless given), else English."""
    if obj is None:
        return ""
    name = localized_field_name(field, localized_language(obj, field, language=language))
    return getattr(obj, name, "") or ""


def localized_pending(obj: Any, field: str, *, language: str | None = None) -> bool:
    """The reader's language has no text for `field` yet, so the English one is shown."""
    if obj is None:
        return False
    wanted = _reader_language(language)
    return (
        wanted != settings.LANGUAGE_CODE
        and localized_language(obj, field, language=wanted) != wanted
        and _written(obj, field)
    )
