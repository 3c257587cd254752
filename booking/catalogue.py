"""What a patient's booking page reads on every request and staff change a few times a year,
kept per process under one database stamp.

The time picker and the availability endpoint read the clinic profile, the consultation type,
the practitioners offering it, their weekly hours and the clinic's closures: four small
queries on every request, which on PostgreSQL cost more of the picker's time (planning,
round trips, rows made into instances) than its whole month of appointments. All of them live
in the tables `STAMP` watches; a trigger on each gives the stamp a new value in the same
transaction as any write to them (clinic/db_stamp.py says why triggers, and why reading the
stamp first is safe).

A view decorated with `pinned` reads the stamp once, on entry; within it, `kept` answers each
of those reads from what this process read before under the same stamp, or reads it and keeps
it. Nothing is ever invalidated: a write anywhere, by any process or host, changes the stamp,
and the next request reads afresh. Outside a pinned view (staff pages, tasks, services that
write) every read goes to the database as before. Only read-only views are pinned: a view that
wrote to a watched table would go on reading what it kept before its own write.

Appointments, time off and waitlist holds change all day long: they are not kept here (the
slot memo, booking/scheduling/memo.py, is keyed by the rows each request reads instead).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection

from clinic.db_stamp import Stamp

TABLE = "booking_catalogue_stamp"
WATCHED_TABLES = (
    "booking_clinicprofile",
    "booking_consultationtype",
    "booking_practitioner",
    "booking_practitioner_consultation_types",
    "booking_workinghours",
    "booking_clinicclosure",
)
STAMP = Stamp(TABLE, watched=WATCHED_TABLES)

# The (database alias, stamp) the current request read on entering its pinned view.
_pin: ContextVar[tuple[str, str] | None] = ContextVar("booking_catalogue_pin", default=None)
# What was read under a stamp: cleared when a new stamp is seen, and bounded (the hours are
# kept per date range, and the ranges move with the days).
_MAX_KEPT = 512
_kept: dict[tuple, object] = {}
_seen: dict[str, str] = {}
_lock = threading.Lock()


@contextmanager
def pinned() -> Iterator[None]:
    """Read the stamp once; the catalogue's reads within are kept under it. A decorator too."""
    stamp = STAMP.read()
    alias = connection.alias
    if stamp is not None and _seen.get(alias) != stamp:
        with _lock:  # what was kept under an older stamp is never asked for again
            _seen[alias] = stamp
            for key in [key for key in _kept if key[0][0] == alias and key[0][1] != stamp]:
                del _kept[key]
    token = _pin.set(None if stamp is None else (alias, stamp))
    try:
        yield
    finally:
        _pin.reset(token)


def is_pinned() -> bool:
    """Is this request within a pinned view, on the database it pinned?"""
    pin = _pin.get()
    return pin is not None and pin[0] == connection.alias


def kept[T](what: str, args: tuple, read: Callable[[], T]) -> T:
    """`read()`, or what it answered under the pinned stamp before. Outside a pin, `read()`.

    What is returned is shared by later requests: callers get copies (`instances`), never
    change what they are given, or keep only immutable values (tuples of dates and times)."""
    if not is_pinned():
        return read()
    key = (_pin.get(), what, args)
    try:
        return _kept[key]  # type: ignore[return-value]
    except KeyError:
        pass
    value = read()
    with _lock:
        if len(_kept) >= _MAX_KEPT:
            _kept.clear()
        _kept[key] = value
    return value


def instances[T](found: list[T]) -> list[T]:
    """Copies of kept model instances: a caller that caches a relation or sets an attribute on
    its copy (Django does both) leaves the kept one as it was read."""
    return [copy.copy(instance) for instance in found]
