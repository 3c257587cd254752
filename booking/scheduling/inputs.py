"""Dates, times and ids as requests carry them: parsed from ASCII digits only, range-checked
before anything uses them (pure functions: no database, no request).

Why: Python's `\\d`, `int()` and `date.fromisoformat()` accept any Unicode digit ("٣" is 3), and a
date near year 1 or 9999 parses but overflows as soon as it is shifted by an offset or a day
(`9999-12-31T23:59-14:00` to UTC, `date.min - 1 day`). So a value is refused unless it is ASCII
and within `reach` of today; every caller then turns None into a 400 or a form error.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

# Patients book at most months ahead (the longest booking window is well under this).
PATIENT_REACH = timedelta(days=400)
# Staff look back at past schedules and plan far ahead, but not centuries.
STAFF_REACH = timedelta(days=3660)

DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
MONTH_RE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])", re.ASCII)
ID_RE = re.compile(r"[0-9]{1,12}", re.ASCII)
# An ISO 8601 instant with a numeric offset (or Z), as the pages write them: ASCII only.
INSTANT_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})",
    re.ASCII,
)


def within(day: date, *, today: date, reach: timedelta) -> bool:
    return abs(day - today) <= reach


def parse_date(raw: str | None, *, today: date, reach: timedelta) -> date | None:
    """YYYY-MM-DD within `reach` of `today`, else None."""
    if not raw or not DATE_RE.fullmatch(raw):
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return day if within(day, today=today, reach=reach) else None


def parse_month(raw: str | None, *, today: date, reach: timedelta) -> date | None:
    """YYYY-MM (as its first day) within `reach` of `today`, else None."""
    if not raw or not MONTH_RE.fullmatch(raw):
        return None
    year, month = int(raw[:4]), int(raw[5:7])
    if year < 1:
        return None
    first = date(year, month, 1)
    return first if within(first, today=today, reach=reach) else None


def parse_instant(raw: str | None, *, now: datetime, reach: timedelta) -> datetime | None:
    """An aware datetime from ISO 8601 with an offset, within `reach` of `now`, else None."""
    if not raw or len(raw) > 40 or not INSTANT_RE.fullmatch(raw):
        return None
    try:
        moment = datetime.fromisoformat(raw)
        # Comparing aware datetimes converts to UTC, which overflows near years 1 and 9999.
        return moment if abs(moment - now) <= reach else None
    except (ValueError, OverflowError):
        return None


def parse_id(raw: str | None) -> int | None:
    """A positive database id from ASCII digits, else None."""
    if not raw or not ID_RE.fullmatch(raw):
        return None
    return int(raw) or None
