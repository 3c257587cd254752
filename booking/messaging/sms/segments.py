"""How many SMS segments a text takes: GSM-7 (160 characters, 153 per part when split) when
every character is in the GSM 03.38 alphabet, else UCS-2 (70, 67 per part)."""

from __future__ import annotations

import math

import gsm0338  # noqa: F401 - registers the "gsm03.38" codec


def is_gsm7(text: str) -> bool:
    try:
        text.encode("gsm03.38")
    except UnicodeError:
        return False
    return True


def segment_count(text: str) -> int:
    if is_gsm7(text):
        # Extension characters ({, }, [, ], €, ...) take two septets: count the encoded length.
        septets = len(text.encode("gsm03.38"))
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)
