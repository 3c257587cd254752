"""The staff schedule as a time-ruled table: rows of (at most) 15 minutes, one column per
practitioner (day view) or per day (week view); a visit is one cell spanning its rows.

Pure arithmetic over the blocks `staff_schedule` already loaded: no queries. Row edges are the
quarter hours plus every block edge, so a visit starting at 9:05 still gets a cell of its own,
and the time rule (the row headers) stays on the quarter hours.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from booking.scheduling.staff_schedule import ScheduleBlock, ScheduleColumn

ROW_MINUTES = 15


@dataclass(slots=True)
class GridCell:
    """One <td>: free time (a link to book it), a visit, its buffer, a break, time off..."""

    kind: str  # "visit", "buffer", "free", "break", "time_off", "closed", "off"
    start: datetime | None  # None for the "off" filler outside anyone's blocks
    end: datetime | None
    rowspan: int = 1
    block: ScheduleBlock | None = None
    # Set by the page: a VisitNote for the users who may read it, the palette class of the
    # consultation type, the cell's link, and the words a screen reader says for it.
    note: object = None
    palette: int = 0
    link: str = ""
    spoken: str = ""

    @property
    def start_iso(self) -> str:
        return self.start.isoformat() if self.start is not None else ""

    @property
    def appointment(self):
        return self.block.appointment if self.block is not None else None

    @property
    def label(self) -> str:
        return self.block.label if self.block is not None else ""


@dataclass(slots=True)
class GridColumn:
    title: str
    day: date
    practitioner: object
    column: ScheduleColumn


@dataclass(slots=True)
class GridRow:
    minute: int  # minutes after local midnight
    minutes: int  # the row's length
    cells: list[tuple[GridColumn, GridCell]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.minute // 60:02d}:{self.minute % 60:02d}"

    @property
    def on_quarter(self) -> bool:
        return self.minute % ROW_MINUTES == 0

    @property
    def size_class(self) -> str:
        return f"r-{max(1, min(3, round(self.minutes / 5)))}"


@dataclass(slots=True)
class ScheduleGrid:
    columns: list[GridColumn]
    rows: list[GridRow]


def _minute_of_day(moment: datetime, day: date) -> int:
    # A block running past midnight (or a DST day's odd hour) is clamped to the day.
    local_day = moment.date()
    if local_day < day:
        return 0
    if local_day > day:
        return 24 * 60
    return moment.hour * 60 + moment.minute


def _cells(block: ScheduleBlock) -> list[GridCell]:
    """A visit with buffers is three cells; free time is cut at each quarter hour (each quarter
    is its own link: "Free, Dr Patel, Tuesday 9:15")."""
    if block.kind == "appointment" and block.appointment is not None:
        visit = block.appointment
        tz = block.start.tzinfo
        start, end = visit.start.astimezone(tz), visit.end.astimezone(tz)
        cells = []
        if block.start < start:
            cells.append(GridCell("buffer", block.start, start, block=block))
        cells.append(GridCell("visit", max(start, block.start), min(end, block.end), block=block))
        if end < block.end:
            cells.append(GridCell("buffer", end, block.end, block=block))
        return [c for c in cells if c.end > c.start]
    if block.kind == "free":
        cells = []
        cursor = block.start
        while cursor < block.end:
            minute = cursor.hour * 60 + cursor.minute
            step = ROW_MINUTES - minute % ROW_MINUTES
            nxt = min(block.end, cursor + timedelta(minutes=step))
            cells.append(GridCell("free", cursor, nxt, block=block))
            cursor = nxt
        return cells
    return [GridCell(block.kind, block.start, block.end, block=block)]


def schedule_grid(columns: list[GridColumn]) -> ScheduleGrid:
    """Rows and the cells starting on each row, with their rowspans."""
    per_column: list[list[tuple[int, int, GridCell]]] = []
    for col in columns:
        spans = []
        for block in col.column.blocks:
            for cell in _cells(block):
                lo, hi = _minute_of_day(cell.start, col.day), _minute_of_day(cell.end, col.day)
                if hi > lo:
                    spans.append((lo, hi, cell))
        per_column.append(spans)
    used = [(lo, hi) for spans in per_column for lo, hi, c in spans if c.kind != "off"]
    if not used:
        return ScheduleGrid(columns=columns, rows=[])
    first = min(lo for lo, _ in used) // ROW_MINUTES * ROW_MINUTES
    last = max(hi for _, hi in used)
    last = -(-last // ROW_MINUTES) * ROW_MINUTES
    edges = set(range(first, last + 1, ROW_MINUTES))
    for spans in per_column:
        edges.update(t for lo, hi, _ in spans for t in (lo, hi) if first <= t <= last)
    ordered = sorted(edges)
    index = {t: i for i, t in enumerate(ordered)}
    rows = [GridRow(minute=lo, minutes=hi - lo) for lo, hi in itertools.pairwise(ordered)]
    for col, spans in zip(columns, per_column, strict=True):
        cursor = first
        for lo, hi, cell in sorted(spans, key=lambda s: s[0]):
            lo, hi = max(lo, first), min(hi, last)
            if hi <= cursor:
                continue
            lo = max(lo, cursor)
            if lo > cursor:  # outside the loaded blocks: nobody works then
                _place(rows, index, col, cursor, lo, GridCell("off", None, None))
            _place(rows, index, col, lo, hi, cell)
            cursor = hi
        if cursor < last:
            _place(rows, index, col, cursor, last, GridCell("off", None, None))
    return ScheduleGrid(columns=columns, rows=rows)


def _place(rows, index, col, lo: int, hi: int, cell: GridCell) -> None:
    cell.rowspan = index[hi] - index[lo]
    rows[index[lo]].cells.append((col, cell))
