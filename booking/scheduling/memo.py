"""A small per-process memo for the slot computation, keyed by the very rows it was computed
from (issue 18).

Not a cache that must be invalidated: every availability request still runs its queries
(hours and closures, busy time), and a memo entry is used only when those rows, read in this
request, are equal to the rows the entry was computed from. A booking, move, cancellation,
status change, hold, time off, closure or change of hours, committed by any process or host,
changes the rows, so the next request misses and computes afresh; a change of the type's or
the clinic's rules, or of the zone, changes the key. What the memo saves is the Python work
after the queries: parsing the busy rows (hundreds of instants for the picker's month) and the
sweep itself, together most of the picker's cost. The one input not in the rows is the time:
an entry says until when it holds (scheduling/selectors.py), so a slot that falls inside the
minimum notice disappears at once. The database keeps the last word on a booking, as before.

Bounded (least recently used out first) and guarded by a lock for threaded servers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class Memo:
    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> object | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: object) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
