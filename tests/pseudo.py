"""Pseudo-Spanish: proof that every word a patient reads is marked for translation, before any
translation exists.

Inside `pseudo_spanish()`, while Spanish is active, every gettext call (Python, {% translate %},
{% blocktranslate %}, lazy strings, Django's own month and day names) returns its message
wrapped in ⟦ ⟧, placeholders intact. `english_left(text, allowed=...)` then removes the wrapped
parts, the data (names, addresses, links) and returns the English words still there: a word
nobody marked. English stays untouched, so the same code can be checked to be English too.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.utils import translation

from clinic import dates

OPEN, CLOSE = "⟦", "⟧"
_WRAPPED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
_TAG = re.compile(r"<[^>]+>")
_URL = re.compile(r"(?:https?://|mailto:|tel:)\S+")
_EMAIL = re.compile(r"\S+@\S+")
_WORD = re.compile(r"[A-Za-z]{3,}")
_FUNCTIONS = ("gettext", "ngettext", "pgettext", "npgettext")


def _spanish() -> bool:
    return (translation.get_language() or "").startswith("es")


def _wrap(message: str) -> str:
    return f"{OPEN}{message}{CLOSE}"


@contextmanager
def pseudo_spanish() -> Iterator[None]:
    trans = translation._trans  # the dispatcher every gettext function goes through
    real = {name: getattr(trans, name) for name in _FUNCTIONS}

    def gettext(message):
        return _wrap(message) if _spanish() else real["gettext"](message)

    def ngettext(singular, plural, number):
        if not _spanish():
            return real["ngettext"](singular, plural, number)
        return _wrap(singular if number == 1 else plural)

    def pgettext(context, message):
        return _wrap(message) if _spanish() else real["pgettext"](context, message)

    def npgettext(context, singular, plural, number):
        if not _spanish():
            return real["npgettext"](context, singular, plural, number)
        return _wrap(singular if number == 1 else plural)

    fakes = {
        "gettext": gettext,
        "ngettext": ngettext,
        "pgettext": pgettext,
        "npgettext": npgettext,
    }
    # clinic.dates keeps the day labels it made (per language): none may come from outside.
    dates._formatted_day.cache_clear()
    for name, fake in fakes.items():
        setattr(trans, name, fake)
    try:
        yield
    finally:
        for name, function in real.items():
            setattr(trans, name, function)
        dates._formatted_day.cache_clear()


def english_left(text: str, *, allowed: Iterable[str] = ()) -> list[str]:
    """Words of three letters or more left once the translated parts, the tags, links, email
    addresses and the `allowed` data (names, addresses, references) are taken out."""
    text = html.unescape(_TAG.sub(" ", text))
    while True:
        unwrapped = _WRAPPED.sub(" ", text)
        if unwrapped == text:
            break
        text = unwrapped
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    for value in sorted((v for v in allowed if v), key=len, reverse=True):
        text = text.replace(value, " ")
    return _WORD.findall(text)
