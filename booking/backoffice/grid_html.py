"""The front desk's time-ruled grid as HTML: the <table> of the day and week views.

Built here rather than in templates (an {% include %} of a cell template per cell, as
booking/journey/picker.py's month_rows replaced for the patient's picker): the include, its
context push and a dozen variable lookups per cell were almost all of the day view's CPU, about
4 ms per practitioner column. Measured on the bench's clinic (bench/pages_cpu.py, 2 busy cores,
November 2026): the table alone took 16-25 ms of CPU in templates and 2-4 ms here at 8 columns
(188 cells), 76-105 ms and 11 ms at 48 columns; the whole-clinic day view went from a median
58 ms to 40 ms per request, the front desk's week from 49 ms to 28 ms (medians of 5-7 runs).

The markup is the templates' own, element for element; every value from the database (patient,
practitioner, type and time-off names, the notes) goes through conditional_escape, as the
templates' autoescaping did. Staff-facing words stay English (the admin is not translated).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

from booking.models import Appointment
from booking.scheduling.schedule_grid import GridCell, GridRow, ScheduleGrid

# Cells whose markup is the same for every such cell but its rowspan and one label.
_BUFFER = (
    '<td rowspan="{}" class="cell cell-buffer"><span class="visually-hidden">Buffer</span></td>'
)
_BREAK = '<td rowspan="{}" class="cell cell-break">Break</td>'
_OFF = (
    '<td rowspan="{}" class="cell cell-off"><span class="visually-hidden">Not working</span></td>'
)
_FREE_WORDS = '<span aria-hidden="true">Free</span><span class="visually-hidden">{}</span>'


def grid_table(grid: ScheduleGrid, *, caption: str) -> SafeString:
    """The whole <table> of a grid whose cells grid_extras has filled (links, spoken names,
    notes); caption is read by screen readers only."""
    esc = conditional_escape
    heads = "".join(f'<th scope="col">{esc(col.title)}</th>' for col in grid.columns)
    # get_status_display() rebuilds the choices' dict and translates on every call (a quarter
    # of a visit cell's time): the labels once per table, in the request's language.
    statuses = {value: esc(label) for value, label in Appointment.Status.choices}
    rows = "\n".join(_row(row, statuses) for row in grid.rows)
    return SafeString(
        '<table class="schedule-grid time-grid" id="schedule-grid">\n'
        f'<caption class="visually-hidden">{esc(caption)}</caption>\n'
        f'<thead><tr><th scope="col" class="time-head">Time</th>{heads}</tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody>\n</table>"
    )


def _row(row: GridRow, statuses: dict[str, str]) -> str:
    label = row.label
    if row.on_quarter:
        head = f'<th scope="row" class="time-rule">{label}</th>'
    else:
        head = (
            '<th scope="row" class="time-rule off-quarter">'
            f'<span class="visually-hidden">{label}</span></th>'
        )
    cells = "\n".join(grid_cell(cell, statuses) for _col, cell in row.cells)
    return f'<tr class="{row.size_class}">\n{head}\n{cells}\n</tr>'


def grid_cell(cell: GridCell, statuses: dict[str, str]) -> str:
    """One <td>, by the cell's kind; statuses: each visit status's label, escaped."""
    kind = cell.kind
    if kind == "visit":
        return _visit(cell, statuses)
    if kind == "free":
        spoken = _FREE_WORDS.format(conditional_escape(cell.spoken))
        if cell.link:
            inner = f'<a href="{conditional_escape(cell.link)}" class="free-link">{spoken}</a>'
        else:  # past, or the user may not book
            inner = f'<span class="free-past">{spoken}</span>'
        return f'<td rowspan="{cell.rowspan}" class="cell cell-free">{inner}</td>'
    if kind == "buffer":
        return _BUFFER.format(cell.rowspan)
    if kind == "break":
        return _BREAK.format(cell.rowspan)
    if kind == "time_off":
        label = conditional_escape(cell.label)
        return f'<td rowspan="{cell.rowspan}" class="cell cell-time_off">Time off: {label}</td>'
    if kind == "closed":
        label = conditional_escape(cell.label)
        return f'<td rowspan="{cell.rowspan}" class="cell cell-closed">Closed: {label}</td>'
    return _OFF.format(cell.rowspan)


def _visit(cell: GridCell, statuses: dict[str, str]) -> str:
    esc = conditional_escape
    visit = cell.appointment
    conflict = cell.block is not None and cell.block.conflict
    # The clinic's wall clock, as the template's |time filter showed it.
    start, end = timezone.localtime(visit.start), timezone.localtime(visit.end)
    link = esc(cell.link)
    # An unknown status shows as itself, as get_status_display() does.
    status = statuses.get(visit.status) or esc(visit.status)
    note = ""
    if cell.note:
        done = "done" if cell.note.questionnaire_done else "not done"
        complaint = esc(cell.note.complaint or "No complaint given")
        note = f'<span class="block-note">{complaint} · questionnaire {done}</span>'
    return (
        f'<td rowspan="{cell.rowspan}" class="cell cell-visit type-{cell.palette} '
        f'status-{esc(visit.status)}{" cell-conflict" if conflict else ""}">\n'
        f'<a href="{link}" hx-get="{link}" hx-target="#side-panel" hx-swap="innerHTML" '
        f'class="visit-link"><span class="block-time">{start:%H:%M}–{end:%H:%M}</span> '
        f'<span class="block-patient">{esc(visit.patient.full_name)}</span></a>\n'
        f'<span class="block-type">{esc(visit.consultation_type.name)}</span>\n'
        f'<span class="block-status status-text">{status}'
        f"{' · needs moving' if conflict else ''}</span>\n"
        f"{note}\n</td>"
    )
