"""How many SMS segments a text takes, as carriers split it.

GSM-7 when every character is in the GSM 03.38 alphabet: 160 septets in one segment, 153 per
part when split (the rest carries the part header); an extension character ({, }, €...) takes
two septets and is never cut between parts. Anything else goes as UCS-2: 70 UTF-16 code units in
one segment, 67 per part; a character outside the Basic Multilingual Plane (an emoji) takes two
units and is never cut either. Spanish is mostly UCS-2: é, ñ, ¿ and ¡ are in GSM 03.38, but á,
í, ó and ú are not, and one of them anywhere (a weekday, "más") turns the whole text into UCS-2.
"""

from __future__ import annotations

import gsm0338  # noqa: F401 - registers the "gsm03.38" codec

GSM7 = "GSM-7"
UCS2 = "UCS-2"
# (units in a single segment, units per part of a split text)
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}


def is_gsm7(text: str) -> bool:
    try:
        text.encode("gsm03.38")
    except UnicodeError:
        return False
    return True


def encoding(text: str) -> str:
    return GSM7 if is_gsm7(text) else UCS2


def _costs(text: str, coding: str) -> list[int]:
    """Each character's units in `coding`: septets for GSM-7, UTF-16 code units for UCS-2."""
    if coding == GSM7:
        return [len(char.encode("gsm03.38")) for char in text]
    return [len(char.encode("utf-16-le")) // 2 for char in text]


def units(text: str, coding: str | None = None) -> int:
    """The text's length as the carrier counts it (septets, or UCS-2 code units)."""
    return sum(_costs(text, coding or encoding(text)))


def segment_count(text: str, coding: str | None = None) -> int:
    """Segments the text is sent in; `coding` forces one (UCS2 for a worst-case budget: any
    accented word in a translation makes the text UCS-2)."""
    coding = coding or encoding(text)
    costs = _costs(text, coding)
    single, part = LIMITS[coding]
    if sum(costs) <= single:
        return 1
    count, used = 1, 0
    for cost in costs:
        if used + cost > part:  # a two-unit character starts the next part rather than split
            count, used = count + 1, 0
        used += cost
    return count
