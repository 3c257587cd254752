"""The clinic's time zone and local days."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from booking.scheduling.slots import Interval, local_instant


def clinic_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_bounds(first_day: date, last_day: date, tz: ZoneInfo) -> Interval:
    """The instants that start `first_day` and end `last_day` in the clinic's zone."""
    return (
        local_instant(first_day, time.min, tz),
        local_instant(last_day + timedelta(days=1), time.min, tz),
    )


def local_today() -> date:
    return timezone.localdate()
