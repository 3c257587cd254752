"""Free appointment slots: a pure function over plain data.

`compute_slots` knows nothing of the ORM: it takes working hours, time off, closures and busy
intervals as plain tuples and returns aware slots in the clinic's time zone. All arithmetic on
instants happens in UTC, so a slot is never shifted by an hour on a daylight-saving change day;
wall-clock times (working hours) are turned into instants once per day with the zone's rules.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Rules:
    """The booking rules in force for one consultation type (clinic defaults + overrides)."""

    min_notice: timedelta
    horizon: timedelta
    granularity: timedelta
    cancellation_cutoff: timedelta


@dataclass(frozen=True, slots=True)
class HoursRow:
    weekday: int
    start: time
    end: time
    valid_from: date | None = None
    valid_until: date | None = None

    def applies_on(self, day: date) -> bool:
        return (
            day.weekday() == self.weekday
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_until is None or day <= self.valid_until)
        )


@dataclass(slots=True)
class Schedule:
    """Everything the slot computation needs, as plain data."""

    practitioner_ids: list[int]
    hours: dict[int, list[HoursRow]] = field(default_factory=dict)
    # Per practitioner, sorted by start: time off and existing appointments (with buffers).
    blocked: dict[int, list[Interval]] = field(default_factory=dict)
    closed_days: set[date] = field(default_factory=set)
    # What it was loaded from (the loader's parameters and the rows as read), for the memo of
    # booking/scheduling/memo.py: equal fingerprints, equal schedules. () when not known.
    fingerprint: tuple = ()


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime
    end: datetime
    practitioner_id: int


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant a wall-clock time happens on a day; a time skipped by DST moves forward."""
    # fold=0: a non-existent local time (spring forward) is read with the offset in force
    # before the change, i.e. it lands one hour later on the new clock; an ambiguous one
    # (fall back) takes its first occurrence.
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping cover of the intervals (touching ones are joined)."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _ceil_to_step(value: datetime, origin: datetime, step: timedelta) -> datetime:
    """The first instant origin + k*step (k >= 0) that is not before value."""
    if value <= origin:
        return origin
    return origin + step * -((origin - value) // step)


def compute_slots(
    *,
    schedule: Schedule,
    duration: timedelta,
    buffer_before: timedelta,
    buffer_after: timedelta,
    rules: Rules,
    now: datetime,
    first_day: date,
    last_day: date,
    tz: ZoneInfo,
    enforce_notice_and_horizon: bool = True,
    first_per_day: bool = False,
) -> dict[date, list[Slot]]:
    """Free slots per local day, each list increasing by start (then practitioner).

    A slot is free when the visit lies inside one of the practitioner's working intervals for
    that day, starts on that interval's grid (its start plus whole multiples of the
    granularity, counted in real elapsed time, so a DST change never shifts it), is not
    before `now` (plus the minimum notice) nor after the horizon, and the visit plus its
    buffers overlaps no time off and no other appointment's occupied time. Buffers may reach
    outside working hours (preparation before the first visit is the practitioner's affair).
    With `first_per_day`, each practitioner stops at its first slot of a day (enough for
    "which days are bookable" and "next available").
    """
    if duration <= timedelta(0) or rules.granularity <= timedelta(0):
        raise ValueError("duration and granularity must be positive")
    now_utc = _utc(now)
    earliest = now_utc + rules.min_notice if enforce_notice_and_horizon else now_utc
    latest = now_utc + rules.horizon if enforce_notice_and_horizon else None
    step = rules.granularity
    reach = buffer_before + duration + buffer_after
    result: dict[date, list[Slot]] = {}

    one_day = timedelta(days=1)
    day = max(first_day, (earliest - one_day).astimezone(tz).date())
    if latest is not None:
        last_day = min(last_day, (latest + one_day).astimezone(tz).date())
    if day > last_day:
        return result
    # Only busy time that can touch a candidate of these days is merged: the picker loads a
    # month and then sweeps one day of it.
    lo = local_instant(day, time.min, tz) - buffer_before
    hi = local_instant(last_day + one_day, time.min, tz) + reach
    blocked_by_pid = {
        pid: merge_intervals(
            (start, end) for start, end in schedule.blocked.get(pid, ()) if end > lo and start < hi
        )
        for pid in schedule.practitioner_ids
    }
    # Rows grouped by weekday once, so a long range does not re-test every row every day.
    rows_by_pid_weekday: dict[int, list[list[HoursRow]]] = {}
    for pid in schedule.practitioner_ids:
        by_weekday: list[list[HoursRow]] = [[] for _ in range(7)]
        for row in schedule.hours.get(pid, ()):
            by_weekday[row.weekday].append(row)
        for rows in by_weekday:
            rows.sort(key=lambda r: r.start)
        rows_by_pid_weekday[pid] = by_weekday

    # Practitioners mostly share a grid: convert each instant to local time once.
    local_times: dict[datetime, tuple[datetime, datetime]] = {}
    # ... and their hours: each wall-clock time of a day becomes an instant once.
    instants: dict[tuple[date, time], datetime] = {}

    def instant(day: date, at: time) -> datetime:
        moment = instants.get((day, at))
        if moment is None:
            moment = instants[(day, at)] = local_instant(day, at, tz)
        return moment

    while day <= last_day:
        if day in schedule.closed_days:
            day += one_day
            continue
        weekday = day.weekday()
        # (UTC start, practitioner, slot): sorted on the UTC instant, because two datetimes of
        # one zone compare by wall clock, which runs backwards on the fall-back day.
        day_slots: list[tuple[datetime, int, Slot]] = []
        for pid in schedule.practitioner_ids:
            rows = [r for r in rows_by_pid_weekday[pid][weekday] if r.applies_on(day)]
            if not rows:
                continue
            blocked = blocked_by_pid[pid]
            n_blocked = len(blocked)
            starts_seen: set[datetime] | None = set() if len(rows) > 1 else None
            pid_slots: list[tuple[datetime, int, Slot]] = []
            for row in rows:
                work_start = instant(day, row.start)
                last_start = instant(day, row.end) - duration
                if latest is not None and latest < last_start:
                    last_start = latest
                slot_start = _ceil_to_step(earliest, work_start, step)
                # Sweep the sorted busy intervals alongside the increasing slot starts.
                i = bisect.bisect_right(blocked, (slot_start - buffer_before,)) - 1
                i = max(i, 0)
                while slot_start <= last_start:
                    lo = slot_start - buffer_before
                    hi = lo + reach
                    while i < n_blocked and blocked[i][1] <= lo:
                        i += 1
                    if i < n_blocked and blocked[i][0] < hi:
                        # Jump past the busy interval instead of testing each step inside it.
                        slot_start = _ceil_to_step(blocked[i][1] + buffer_before, work_start, step)
                        continue
                    # Overlapping rows of one day (a data-entry slip) must not offer a time twice.
                    if starts_seen is None or slot_start not in starts_seen:
                        if starts_seen is not None:
                            starts_seen.add(slot_start)
                        local = local_times.get(slot_start)
                        if local is None:
                            local = local_times[slot_start] = (
                                slot_start.astimezone(tz),
                                (slot_start + duration).astimezone(tz),
                            )
                        slot = Slot(start=local[0], end=local[1], practitioner_id=pid)
                        pid_slots.append((slot_start, pid, slot))
                        if first_per_day:
                            break
                    slot_start += step
            if len(rows) > 1:
                pid_slots.sort(key=_by_instant)
                if first_per_day:
                    del pid_slots[1:]
            day_slots.extend(pid_slots)
        if day_slots:
            if len(schedule.practitioner_ids) > 1:
                day_slots.sort(key=_by_instant)
            result[day] = [entry[2] for entry in day_slots]
        day += one_day
    return result


def _by_instant(entry: tuple[datetime, int, Slot]) -> tuple[datetime, int]:
    return entry[0], entry[1]


def merge_any_practitioner(slots: Iterable[Slot]) -> list[tuple[datetime, datetime, list[int]]]:
    """Collapse slots of several practitioners into distinct times, each with who is free then."""
    # Keyed on UTC instants: 01:30 EDT and 01:30 EST are equal as same-zone datetimes.
    by_instant: dict[tuple[datetime, datetime], tuple[Slot, list[int]]] = {}
    for slot in slots:
        key = (slot.start.astimezone(UTC), slot.end.astimezone(UTC))
        if key not in by_instant:
            by_instant[key] = (slot, [])
        by_instant[key][1].append(slot.practitioner_id)
    return [
        (first.start, first.end, sorted(pids))
        for _, (first, pids) in sorted(by_instant.items(), key=lambda item: item[0])
    ]
