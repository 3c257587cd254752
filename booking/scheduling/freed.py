"""Bookable time the back office frees: time off or a closure removed (or shortened), working
hours added. The concrete slots free after the change and not before are announced, one
TIME_FREED event per slot (type, practitioner, start), inside the change's transaction, so the
waitlist holds and offers them exactly as it does a cancelled visit's time.

A slot is whatever patients could book online: the public types, within each type's notice
and horizon. The announcement is bounded (MAX_ANNOUNCED per change, earliest first); a
practitioner's starts of one type are thinned to ones that do not overlap each other (the
receiver would refuse the overlapping ones anyway). Marking a visit a no-show frees nothing:
its time is in the past.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from booking.events import AppointmentEvent, EventName, announce
from booking.models import ConsultationType
from booking.profile import clinic_profile_get
from booking.scheduling.selectors import available_slots, booking_window

MAX_ANNOUNCED = 100

SlotKey = tuple[int, int, datetime, datetime]  # type, practitioner, start, end


def _free_slots(
    *, practitioner_ids: set[int] | None, first_day: date | None, last_day: date | None, now
) -> set[SlotKey]:
    profile = clinic_profile_get()
    types = ConsultationType.objects.public()
    if practitioner_ids is not None:
        types = types.filter(practitioners__in=practitioner_ids).distinct()
    only = next(iter(practitioner_ids)) if practitioner_ids and len(practitioner_ids) == 1 else None
    free: set[SlotKey] = set()
    for ctype in types:
        opens, closes = booking_window(consultation_type=ctype, profile=profile, now=now)
        first, last = max(opens, first_day or opens), min(closes, last_day or closes)
        if first > last:
            continue
        days = available_slots(
            consultation_type=ctype,
            first_day=first,
            last_day=last,
            practitioner_id=only,
            now=now,
            profile=profile,
        )
        free.update(
            (ctype.pk, slot.practitioner_id, slot.start, slot.end)
            for slots in days.values()
            for slot in slots
            if practitioner_ids is None or slot.practitioner_id in practitioner_ids
        )
    return free


def _thinned(freed: Iterable[SlotKey]) -> list[SlotKey]:
    kept: list[SlotKey] = []
    last_end: dict[tuple[int, int], datetime] = {}
    for key in sorted(freed, key=lambda k: (k[2], k[0], k[1])):
        pair = (key[0], key[1])
        if pair in last_end and key[2] < last_end[pair]:
            continue
        last_end[pair] = key[3]
        kept.append(key)
    return kept[:MAX_ANNOUNCED]


@contextmanager
def time_freed_announced(
    *,
    practitioner_ids: Iterable[int] | None,
    first_day: date | None = None,
    last_day: date | None = None,
    now: datetime | None = None,
) -> Iterator[None]:
    """Wrap a back-office change: afterwards the slots it freed (for these practitioners, None
    for all, between these local days, None for the whole booking window) are announced."""
    now = now or timezone.now()
    ids = None if practitioner_ids is None else set(practitioner_ids)
    span = {"practitioner_ids": ids, "first_day": first_day, "last_day": last_day, "now": now}
    with transaction.atomic():
        before = _free_slots(**span)
        yield
        freed = _free_slots(**span) - before
        for ctype_id, practitioner_id, start, end in _thinned(freed):
            announce(
                AppointmentEvent(
                    name=EventName.TIME_FREED,
                    consultation_type_id=ctype_id,
                    practitioner_id=practitioner_id,
                    start=start,
                    end=end,
                )
            )
