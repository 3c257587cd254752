"""Quiet hours and the moments text reminders are due (pure functions of the clinic's rules).

The hours are the clinic's (ClinicProfile.text_quiet_start / text_quiet_end, clinic local
time, the manager edits them); equal start and end mean no quiet hours.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from booking.models import ClinicProfile

# A reminder pushed to the end of quiet hours is still useful only this long before the visit.
MIN_LEAD_AFTER_QUIET = timedelta(minutes=30)

QUIET_SKIP_REASON = "Due in quiet hours, and too close to the visit once they end."

QuietHours = tuple[time, time]


def clinic_zone() -> ZoneInfo:
    # The clinic's zone (what scheduling.clock.clinic_zone returns), read from the settings here:
    # messaging never imports scheduling (the import contracts in pyproject.toml).
    return ZoneInfo(settings.TIME_ZONE)


def quiet_hours(profile: ClinicProfile) -> QuietHours:
    return profile.text_quiet_start, profile.text_quiet_end


def quiet_end_after(moment: datetime, *, quiet: QuietHours) -> datetime | None:
    """The end of the quiet hours `moment` falls in (clinic local), or None outside them."""
    start, end = quiet
    if start == end:
        return None
    zone = clinic_zone()
    local = moment.astimezone(zone)
    clock = local.time()
    inside = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(UTC)


def sms_moment(*, nominal: datetime, start: datetime, quiet: QuietHours) -> tuple[datetime, str]:
    """When a text due at `nominal` goes out for a visit at `start`, and a skip reason if never.

    Deterministic, so the scan finds the same row again on every run (the ledger's unique key).
    """
    nominal = nominal.astimezone(UTC)
    end = quiet_end_after(nominal, quiet=quiet)
    if end is None:
        return nominal, ""
    if start.astimezone(UTC) - end >= MIN_LEAD_AFTER_QUIET:
        return end, ""
    return nominal, QUIET_SKIP_REASON


def sms_reminder_moments(*, start: datetime, profile: ClinicProfile) -> list[tuple[datetime, str]]:
    """(moment, skip reason) of each text reminder of a visit at `start`."""
    start = start.astimezone(UTC)
    quiet = quiet_hours(profile)
    return [
        sms_moment(nominal=start - offset, start=start, quiet=quiet)
        for offset in profile.reminder_offset_deltas
    ]
