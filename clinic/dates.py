"""Dates and times as a patient reads them, in the active language (issue 17).

"Tuesday, December 1, 9:00 AM" in English, "martes, 1 de diciembre, 9:00 a. m." in Spanish.
Pages use the template filters of clinic/templatetags/dates.py (built in, no {% load %});
emails and texts call these. Month and day names come from Django's own catalogues; the order of
the parts and the Spanish "a. m." (Real Academia's spelling) are ours. The back office keeps its
own compact formats (clinic/formats/en/formats.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime

from django.utils import dateformat, timezone, translation

# Django date-format strings per language; a key missing in a language falls back to English.
FORMATS = {
    "en": {
        "day": "l, F j",
        "day_year": "l, F j, Y",
        "long_date": "F j, Y",
        "month_day": "F j",
        "month_year": "F Y",
        "short_day": "D, M j",
        "text_day": "D M j",
    },
    "es": {
        "day": r"l, j \d\e F",
        "day_year": r"l, j \d\e F \d\e Y",
        "long_date": r"j \d\e F \d\e Y",
        "month_day": r"j \d\e F",
        "month_year": r"F \d\e Y",
        "short_day": r"D j \d\e b",
        "text_day": "D j b",
    },
}
_MERIDIEM = {"es": ("a. m.", "p. m."), "en": ("AM", "PM")}


def _language(active: str | None = None) -> str:
    code = (active or translation.get_language() or "en").split("-")[0]
    return code if code in FORMATS else "en"


def _local(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def formatted(value: date | datetime | None, name: str) -> str:
    """`value` in the named format of the active language ("" for None)."""
    if value is None or value == "":
        return ""
    local = _local(value)
    return _formatted_day(
        translation.get_language(), name, local.date() if isinstance(local, datetime) else local
    )


@functools.lru_cache(maxsize=4096)
def _formatted_day(active: str | None, name: str, day: date) -> str:
    # Every named format is of the (local) date alone, and a page repeats a few dates many times
    # (the picker's month: some 30 labels a request): Django's dateformat reads its format
    # string anew on every call. Keyed by the active language, whose month and day names it uses.
    formats = FORMATS[_language(active)]
    return dateformat.format(day, formats.get(name, FORMATS["en"][name]))


def clock(value: datetime | None) -> str:
    """9:00 AM / 9:00 a. m., in the clinic's time zone."""
    if value is None or value == "":
        return ""
    local = _local(value)
    morning, afternoon = _MERIDIEM[_language()]
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d} {morning if local.hour < 12 else afternoon}"


def day_formatter(name: str) -> Callable[[date], str]:
    """`formatted(day, name)` for many dates of one page: the language is read once."""
    active = translation.get_language()
    return lambda day: _formatted_day(active, name, day)


def clock_formatter() -> Callable[[datetime], str]:
    """`clock` for many aware instants of one page (the picker's times): the language and the
    zone are read once, and an instant already in the zone is not converted again."""
    morning, afternoon = _MERIDIEM[_language()]
    zone = timezone.get_current_timezone()

    def clock_of(value: datetime) -> str:
        local = value if value.tzinfo is zone else value.astimezone(zone)
        hour = local.hour % 12 or 12
        return f"{hour}:{local.minute:02d} {morning if local.hour < 12 else afternoon}"

    return clock_of


def moment(value: datetime | None) -> str:
    """Tuesday, December 1, 9:00 AM / martes, 1 de diciembre, 9:00 a. m."""
    if value is None or value == "":
        return ""
    return f"{formatted(value, 'day')}, {clock(value)}"


def moment_year(value: datetime | None) -> str:
    if value is None or value == "":
        return ""
    return f"{formatted(value, 'day_year')}, {clock(value)}"
