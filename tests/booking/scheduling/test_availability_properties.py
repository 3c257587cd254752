"""Property tests of the pure slot computation, against a brute-force oracle.

No database: `compute_slots` takes plain data. The oracle walks every grid point of every
working interval and tests each rule literally, so the sweep's shortcuts (jumping past busy
time, skipping days outside notice and horizon) are checked against the definition.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from booking.scheduling.slots import HoursRow, Rules, Schedule, compute_slots

# Both New York change days, and Lord Howe Island: southern hemisphere, 30-minute change.
ZONES_AND_DAYS = [
    ("America/New_York", date(2026, 3, 8)),
    ("America/New_York", date(2026, 11, 1)),
    ("Australia/Lord_Howe", date(2026, 4, 5)),
    ("Australia/Lord_Howe", date(2026, 10, 4)),
    ("America/New_York", date(2026, 6, 15)),
]


@st.composite
def scenarios(draw):
    zone_name, change_day = draw(st.sampled_from(ZONES_AND_DAYS))
    tz = ZoneInfo(zone_name)
    first_day = change_day + timedelta(days=draw(st.integers(-1, 1)))
    last_day = first_day + timedelta(days=draw(st.integers(0, 2)))
    pids = list(range(1, draw(st.integers(1, 3)) + 1))

    # Mostly the range's own weekdays (plus the day after, which must not leak in).
    weekdays = [
        (first_day + timedelta(days=d)).weekday() for d in range((last_day - first_day).days + 2)
    ]
    hours: dict[int, list[HoursRow]] = {}
    for pid in pids:
        rows = []
        for _ in range(draw(st.integers(0, 3))):
            # Quarter hours from midnight, so intervals often straddle 01:00-03:00 changes.
            start_q = draw(st.integers(0, 22 * 4))
            end_q = draw(st.integers(start_q + 1, min(start_q + 12 * 4, 24 * 4 - 1)))
            valid_from = draw(st.none() | st.just(first_day + timedelta(days=1)))
            rows.append(
                HoursRow(
                    weekday=draw(st.sampled_from(weekdays)),
                    start=time(start_q // 4, 15 * (start_q % 4)),
                    end=time(end_q // 4, 15 * (end_q % 4)),
                    valid_from=valid_from,
                )
            )
        hours[pid] = rows

    window_start = datetime.combine(first_day, time(0), tzinfo=tz).astimezone(UTC)
    span_minutes = ((last_day - first_day).days + 1) * 24 * 60
    blocked: dict[int, list[tuple[datetime, datetime]]] = {}
    for pid in pids:
        intervals = []
        for _ in range(draw(st.integers(0, 6))):
            start = window_start + timedelta(minutes=draw(st.integers(-120, span_minutes)))
            intervals.append((start, start + timedelta(minutes=draw(st.integers(5, 300)))))
        blocked[pid] = intervals

    closed = {
        first_day + timedelta(days=d)
        for d in draw(st.sets(st.integers(0, (last_day - first_day).days), max_size=1))
    }
    rules = Rules(
        min_notice=timedelta(minutes=draw(st.sampled_from([0, 60, 24 * 60]))),
        horizon=timedelta(hours=draw(st.integers(1, 5 * 24))),
        granularity=timedelta(minutes=draw(st.sampled_from([5, 10, 15, 30, 45, 60]))),
        cancellation_cutoff=timedelta(hours=24),
    )
    return {
        "schedule": Schedule(
            practitioner_ids=pids, hours=hours, blocked=blocked, closed_days=closed
        ),
        "duration": timedelta(minutes=draw(st.sampled_from([15, 30, 45, 60, 90]))),
        "buffer_before": timedelta(minutes=draw(st.sampled_from([0, 5, 15]))),
        "buffer_after": timedelta(minutes=draw(st.sampled_from([0, 10, 30]))),
        "rules": rules,
        "now": window_start + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 24 * 60))),
        "first_day": first_day,
        "last_day": last_day,
        "tz": tz,
        "enforce_notice_and_horizon": draw(st.booleans()),
    }


def oracle(s) -> set[tuple[datetime, int]]:
    """Every (start, practitioner) the rules allow, found by trying each grid point."""
    tz, rules = s["tz"], s["rules"]
    earliest = s["now"] + rules.min_notice if s["enforce_notice_and_horizon"] else s["now"]
    latest = s["now"] + rules.horizon if s["enforce_notice_and_horizon"] else None
    found = set()
    day = s["first_day"]
    while day <= s["last_day"]:
        if day not in s["schedule"].closed_days:
            for pid in s["schedule"].practitioner_ids:
                for row in s["schedule"].hours.get(pid, []):
                    if not row.applies_on(day):
                        continue
                    work_start = datetime.combine(day, row.start, tzinfo=tz).astimezone(UTC)
                    work_end = datetime.combine(day, row.end, tzinfo=tz).astimezone(UTC)
                    start = work_start
                    while start + s["duration"] <= work_end:
                        lo = start - s["buffer_before"]
                        hi = start + s["duration"] + s["buffer_after"]
                        free = all(
                            not (b_start < hi and b_end > lo)
                            for b_start, b_end in s["schedule"].blocked.get(pid, [])
                        )
                        in_window = start >= earliest and (latest is None or start <= latest)
                        if free and in_window:
                            found.add((start, pid))
                        start += rules.granularity
        day += timedelta(days=1)
    return found


@given(scenarios())
def test_compute_slots_matches_the_rules_exactly(s):
    result = compute_slots(**s)

    returned = {
        (slot.start.astimezone(UTC), slot.practitioner_id)
        for slots in result.values()
        for slot in slots
    }
    assert returned == oracle(s)


@given(scenarios())
def test_compute_slots_are_aware_increasing_and_in_working_hours(s):
    result = compute_slots(**s)

    tz = s["tz"]
    for day, slots in result.items():
        assert s["first_day"] <= day <= s["last_day"]
        assert day not in s["schedule"].closed_days
        keys = [(slot.start.astimezone(UTC), slot.practitioner_id) for slot in slots]
        assert keys == sorted(keys)
        assert len(set(keys)) == len(keys)
        for slot in slots:
            assert slot.start.tzinfo is not None
            assert slot.start.utcoffset() == slot.start.astimezone(tz).utcoffset()
            assert slot.start.astimezone(tz).date() == day
            # In UTC: Python subtracts and compares two datetimes of one zone by wall clock.
            start, end = slot.start.astimezone(UTC), slot.end.astimezone(UTC)
            assert end - start == s["duration"]
            # Inside one working interval of that day, in real elapsed time.
            assert any(
                row.applies_on(day)
                and datetime.combine(day, row.start, tzinfo=tz).astimezone(UTC) <= start
                and end <= datetime.combine(day, row.end, tzinfo=tz).astimezone(UTC)
                for row in s["schedule"].hours[slot.practitioner_id]
            )
            for b_start, b_end in s["schedule"].blocked[slot.practitioner_id]:
                assert not (
                    b_start < end + s["buffer_after"] and b_end > start - s["buffer_before"]
                )


@given(scenarios())
def test_compute_slots_first_per_day_gives_each_practitioners_earliest(s):
    full = compute_slots(**s)
    firsts = compute_slots(**s, first_per_day=True)

    assert set(firsts) == set(full)
    for day, slots in full.items():
        expected = {}
        for slot in slots:
            expected.setdefault(slot.practitioner_id, slot)
        assert firsts[day] == sorted(
            expected.values(), key=lambda x: (x.start.astimezone(UTC), x.practitioner_id)
        )


@given(scenarios())
def test_compute_slots_one_practitioner_never_overlaps_itself_on_a_coarse_grid(s):
    s["rules"] = Rules(
        min_notice=s["rules"].min_notice,
        horizon=s["rules"].horizon,
        granularity=s["duration"],
        cancellation_cutoff=s["rules"].cancellation_cutoff,
    )
    for pid in s["schedule"].practitioner_ids:
        # One working interval a day, so the grid is a single one.
        s["schedule"].hours[pid] = s["schedule"].hours[pid][:1]

    result = compute_slots(**s)

    for slots in result.values():
        by_pid: dict[int, list] = {}
        for slot in slots:
            by_pid.setdefault(slot.practitioner_id, []).append(slot)
        for own in by_pid.values():
            for earlier, later in zip(own, own[1:], strict=False):
                assert earlier.end.astimezone(UTC) <= later.start.astimezone(UTC)
