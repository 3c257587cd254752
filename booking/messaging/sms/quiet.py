"""Quiet hours and the moments text reminders are due (pure functions of the clinic's rules)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django.conf import settings

from booking.scheduling.clock import clinic_zone

# A reminder pushed to the end of quiet hours is still useful only this long before the visit.
MIN_LEAD_AFTER_QUIET = timedelta(minutes=30)

QUIET_SKIP_REASON = "Due in quiet hours, and too close to the visit once they end."


def _parse(value: str) -> time:
    hours, minutes = value.strip().split(":")
    return time(int(hours), int(minutes))


def quiet_hours() -> tuple[time, time]:
    return _parse(settings.SMS_QUIET_HOURS_START), _parse(settings.SMS_QUIET_HOURS_END)


def quiet_end_after(moment: datetime) -> datetime | None:
    """The end of the quiet hours `moment` falls in (clinic local), or None outside them."""
    start, end = quiet_hours()
    local = moment.astimezone(clinic_zone())
    clock = local.time()
    if start == end:
        return None
    inside = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=clinic_zone()).astimezone(UTC)


def sms_moment(*, nominal: datetime, start: datetime) -> tuple[datetime, str]:
    """When a text due at `nominal` goes out for a visit at `start`, and a skip reason if never.

    Deterministic, so the scan finds the same row again on every run (the ledger's unique key).
    """
    nominal = nominal.astimezone(UTC)
    end = quiet_end_after(nominal)
    if end is None:
        return nominal, ""
    if start.astimezone(UTC) - end >= MIN_LEAD_AFTER_QUIET:
        return end, ""
    return nominal, QUIET_SKIP_REASON


def sms_reminder_moments(
    *, start: datetime, offsets: list[timedelta]
) -> list[tuple[datetime, str]]:
    """(moment, skip reason) of each text reminder of a visit at `start`."""
    start = start.astimezone(UTC)
    return [sms_moment(nominal=start - offset, start=start) for offset in offsets]
