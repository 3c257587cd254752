"""Free appointment slots: a pure function over plain data, and the loader that feeds it.

`compute_slots` knows nothing of the ORM: it takes working hours, time off, closures and busy
intervals as plain tuples and returns aware slots in the clinic's time zone. All arithmetic on
instants happens in UTC, so a slot is never shifted by an hour on a daylight-saving change day;
wall-clock times (working hours) are turned into instants once per day with the zone's rules.

`load_schedule` fetches everything `compute_slots` needs in a fixed number of queries (at most 6),
whatever the number of days and practitioners.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

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


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime
    end: datetime
    practitioner_id: int


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


def _local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant a wall-clock time happens on a day; a time skipped by DST moves forward."""
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=tz)
    # Round-trip through UTC: a non-existent local time (spring forward) normalises to the
    # real instant one hour later; an ambiguous one (fall back) takes its first occurrence.
    return aware.astimezone(UTC)


def _overlaps(
    blocked: Sequence[Interval], starts: list[datetime], lo: datetime, hi: datetime
) -> bool:
    """Whether [lo, hi) overlaps any interval of the sorted, merged `blocked` list."""
    i = bisect.bisect_left(starts, hi)  # intervals starting before hi
    return i > 0 and blocked[i - 1][1] > lo


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


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
    that day, and the visit plus its buffers overlaps no time off and no other appointment's
    occupied time. With `first_per_day`, each practitioner stops at its first slot of a day
    (enough for "which days are bookable").
    """
    now_utc = _utc(now)
    earliest = now_utc + rules.min_notice if enforce_notice_and_horizon else now_utc
    latest = now_utc + rules.horizon if enforce_notice_and_horizon else None
    step = rules.granularity
    result: dict[date, list[Slot]] = {}

    merged = {
        pid: merge_intervals(schedule.blocked.get(pid, ())) for pid in schedule.practitioner_ids
    }
    merged_starts = {pid: [iv[0] for iv in ivs] for pid, ivs in merged.items()}

    day = first_day
    while day <= last_day:
        if day in schedule.closed_days:
            day += timedelta(days=1)
            continue
        day_slots: list[Slot] = []
        for pid in schedule.practitioner_ids:
            blocked = merged[pid]
            starts = merged_starts[pid]
            for row in schedule.hours.get(pid, ()):
                if not row.applies_on(day):
                    continue
                work_start = _local_instant(day, row.start, tz)
                work_end = _local_instant(day, row.end, tz)
                slot_start = work_start
                found = False
                while slot_start + duration <= work_end:
                    if latest is not None and slot_start > latest:
                        break
                    if slot_start >= earliest and not _overlaps(
                        blocked,
                        starts,
                        slot_start - buffer_before,
                        slot_start + duration + buffer_after,
                    ):
                        day_slots.append(
                            Slot(
                                start=slot_start.astimezone(tz),
                                end=(slot_start + duration).astimezone(tz),
                                practitioner_id=pid,
                            )
                        )
                        if first_per_day:
                            found = True
                            break
                    slot_start += step
                if found:
                    break
        if day_slots:
            day_slots.sort(key=lambda s: (s.start, s.practitioner_id))
            result[day] = day_slots
        day += timedelta(days=1)
    return result


def merge_any_practitioner(slots: Iterable[Slot]) -> list[tuple[datetime, datetime, list[int]]]:
    """Collapse slots of several practitioners into distinct times, each with who is free then."""
    by_start: dict[tuple[datetime, datetime], list[int]] = defaultdict(list)
    for slot in slots:
        by_start[(slot.start, slot.end)].append(slot.practitioner_id)
    return [(start, end, pids) for (start, end), pids in sorted(by_start.items())]


# --- Loading ------------------------------------------------------------------------------


def rules_for(consultation_type, profile) -> Rules:
    def pick(override, default):
        return default if override is None else override

    return Rules(
        min_notice=timedelta(
            minutes=pick(consultation_type.min_notice_minutes, profile.min_notice_minutes)
        ),
        horizon=timedelta(days=pick(consultation_type.horizon_days, profile.horizon_days)),
        granularity=timedelta(
            minutes=pick(
                consultation_type.slot_granularity_minutes, profile.slot_granularity_minutes
            )
        ),
        cancellation_cutoff=timedelta(
            hours=pick(
                consultation_type.cancellation_cutoff_hours, profile.cancellation_cutoff_hours
            )
        ),
    )


def clinic_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_bounds(first_day: date, last_day: date, tz: ZoneInfo) -> Interval:
    """The instants that start `first_day` and end `last_day` in the clinic's zone."""
    return (
        _local_instant(first_day, time.min, tz),
        _local_instant(last_day + timedelta(days=1), time.min, tz),
    )


def load_schedule(
    *,
    consultation_type,
    first_day: date,
    last_day: date,
    practitioner_id: int | None = None,
    exclude_appointment_id: int | None = None,
) -> Schedule:
    """Fetch hours, time off, closures and appointments for the range in four queries.

    (With the clinic profile and the consultation type the caller already has, a whole
    availability request stays within six queries.)
    """
    from booking.models import Appointment, ClinicClosure, Practitioner, TimeOff, WorkingHours

    tz = clinic_zone()
    range_start, range_end = day_bounds(first_day, last_day, tz)
    # Appointments' buffers reach outside the day; widen the window so they still block.
    margin = timedelta(hours=12)

    practitioners = Practitioner.objects.filter(active=True, consultation_types=consultation_type)
    if practitioner_id is not None:
        practitioners = practitioners.filter(pk=practitioner_id)
    practitioner_ids = sorted(practitioners.values_list("pk", flat=True))

    schedule = Schedule(practitioner_ids=practitioner_ids)
    if not practitioner_ids:
        return schedule

    for pid, weekday, start, end, valid_from, valid_until in WorkingHours.objects.filter(
        practitioner_id__in=practitioner_ids
    ).values_list(
        "practitioner_id", "weekday", "start_time", "end_time", "valid_from", "valid_until"
    ):
        schedule.hours.setdefault(pid, []).append(
            HoursRow(weekday, start, end, valid_from, valid_until)
        )
    for rows in schedule.hours.values():
        rows.sort(key=lambda r: r.start)

    blocked: dict[int, list[Interval]] = defaultdict(list)
    for pid, start, end in TimeOff.objects.filter(
        practitioner_id__in=practitioner_ids,
        start__lt=range_end + margin,
        end__gt=range_start - margin,
    ).values_list("practitioner_id", "start", "end"):
        blocked[pid].append((_utc(start), _utc(end)))

    appointments = Appointment.objects.filter(
        practitioner_id__in=practitioner_ids,
        occupied_start__lt=range_end + margin,
        occupied_end__gt=range_start - margin,
    ).exclude(status=Appointment.Status.CANCELLED)
    if exclude_appointment_id is not None:
        appointments = appointments.exclude(pk=exclude_appointment_id)
    for pid, start, end in appointments.values_list(
        "practitioner_id", "occupied_start", "occupied_end"
    ):
        blocked[pid].append((_utc(start), _utc(end)))
    schedule.blocked = dict(blocked)

    for start_date, end_date in ClinicClosure.objects.filter(
        start_date__lte=last_day, end_date__gte=first_day
    ).values_list("start_date", "end_date"):
        day = max(start_date, first_day)
        while day <= min(end_date, last_day):
            schedule.closed_days.add(day)
            day += timedelta(days=1)
    return schedule


def local_today() -> date:
    return timezone.localdate()
