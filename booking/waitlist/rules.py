"""Which freed slot suits which entry: pure functions over plain values (no ORM)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

MORNING, AFTERNOON, EVENING = 1, 2, 4


def day_part_bit(local_start: datetime) -> int:
    """The part of the day a local start falls in: the time picker's bounds (noon, 5 PM)."""
    if local_start.hour < 12:
        return MORNING
    return AFTERNOON if local_start.hour < 17 else EVENING


def weekday_bits(weekdays: list[int]) -> int:
    return sum(1 << day for day in set(weekdays))


def bits_to_weekdays(bits: int) -> list[int]:
    return [day for day in range(7) if bits & (1 << day)]


def bits_to_day_parts(bits: int) -> list[int]:
    return [part for part in (MORNING, AFTERNOON, EVENING) if bits & part]


@dataclass(frozen=True, slots=True)
class EntryWish:
    """What an entry asks for, as the matcher reads it."""

    practitioner_id: int | None
    earliest_date: date
    latest_date: date
    weekdays: int
    day_parts: int
    # A booked patient wants something earlier than this (None: not booked).
    booked_start: datetime | None = None


def slot_suits(wish: EntryWish, *, practitioner_id: int, local_start: datetime) -> bool:
    """Whether a slot (its practitioner and local start) is one the entry asked for."""
    day = local_start.date()
    return (
        (wish.practitioner_id is None or wish.practitioner_id == practitioner_id)
        and wish.earliest_date <= day <= wish.latest_date
        and bool(wish.weekdays & (1 << day.weekday()))
        and bool(wish.day_parts & day_part_bit(local_start))
        and (wish.booked_start is None or local_start < wish.booked_start)
    )
