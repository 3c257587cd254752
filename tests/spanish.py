"""Finding English left on a Spanish page or message (issue 17's crawl and browser tests).

A page is rendered twice, in English and in Spanish. Every piece of text a patient reads on the
Spanish one (text nodes, and the alt, title, aria-label, placeholder and value attributes) that
also appears word for word on the English one is English left untranslated, unless it is a name,
an address or a word both languages share (ALLOWED and the data's own names). Elements marked
with another `lang` (the switch's "English") are skipped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Words and marks both languages write the same way.
ALLOWED = {
    "911",
    "FDA",
    "PRP",
    "No",
    "Total",
    "OK",
    "×",
    "WOMAC",
    "KOOS",
    "HOOS",
    "PROMIS",
    "NPRS",
    "ODI",
    "QuickDASH",
    "STOP",
    "START",
    "HELP",
    "C",
    "R",
    "English",
    "Español",
}
_WORD = re.compile(r"[A-Za-z]{2,}")
_READ_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")
_SKIPPED = {"script", "style", "template"}
_VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip


class _Reader(HTMLParser):
    def __init__(self, language: str):
        super().__init__(convert_charrefs=True)
        self.language = language
        self.stack: list[tuple[str, bool]] = []  # (tag, readable)
        self.texts: list[str] = []

    def _readable(self) -> bool:
        return all(readable for _tag, readable in self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        lang = (attributes.get("lang") or "").split("-")[0]
        readable = tag not in _SKIPPED and (not lang or lang == self.language)
        if tag not in _VOID:
            self.stack.append((tag, readable))
        if not (readable and self._readable()):
            return
        for name in _READ_ATTRIBUTES:
            if attributes.get(name):
                self.texts.append(attributes[name])
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.texts.append(attributes.get("value") or "")
        if tag == "meta" and attributes.get("name") == "description":
            self.texts.append(attributes.get("content") or "")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for position in range(len(self.stack) - 1, -1, -1):
            if self.stack[position][0] == tag:
                del self.stack[position:]
                break

    def handle_data(self, data):
        if self._readable():
            self.texts.append(data)


def _normal(text: str) -> str:
    return " ".join(text.split())


def page_texts(html: str, language: str) -> list[str]:
    reader = _Reader(language)
    reader.feed(html)
    return [text for text in map(_normal, reader.texts) if text]


def message_texts(body: str) -> list[str]:
    """Lines of a plain-text email or a text message."""
    return [line for line in map(_normal, body.splitlines()) if line]


def english_left(
    english: list[str], spanish: list[str], *, allowed: set[str] = frozenset()
) -> list[str]:
    """Spanish texts that are the English ones, word for word."""
    same = set(english)
    keep = ALLOWED | {_normal(name) for name in allowed if name}
    left = []
    for text in spanish:
        if text not in same or text in keep or not _WORD.search(text):
            continue
        # A text made only of allowed names, numbers and punctuation is not English.
        kept_words = {w for name in keep for w in _words(name)}
        if all(w in kept_words or not _WORD.search(w) for w in _words(text)):
            continue
        left.append(text)
    return sorted(set(left))


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s,.;:()/·|–—&!?¿¡\"'-]+", text) if w]
