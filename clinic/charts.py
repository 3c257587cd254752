"""The project's one chart module: pure functions from numbers to accessible SVG (no scripts,
no remote assets), each chart with a <title>, a <desc> and the same data as a table beside it.

Every text is escaped here, so callers may mark the result safe. Screen readers get the title
and the description from the SVG and the figures from the table; the dots carry their value as
a tooltip for sighted mouse users.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

WIDTH, HEIGHT = 520, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40
# Colours with at least 3:1 contrast on white (WCAG 1.4.11), told apart by shape as well.
SERIES_COLOURS = ("#1f4e9c", "#8a3b00", "#3d6b1f", "#6a2c7a")
BAND_FILL = "#d9efd9"
REFERENCE_COLOUR = "#555555"


@dataclass(frozen=True)
class Series:
    name: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Band:
    """A shaded horizontal zone (e.g. meaningful improvement)."""

    low: float
    high: float
    label: str


@dataclass(frozen=True)
class Reference:
    """A dashed horizontal line (e.g. the baseline)."""

    value: float
    label: str


@dataclass(frozen=True)
class LineChart:
    title: str
    desc: str
    x_label: str
    y_label: str
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    series: tuple[Series, ...] = ()
    band: Band | None = None
    reference: Reference | None = None
    x_ticks: tuple[float, ...] = field(default=())
    y_ticks: tuple[float, ...] = field(default=())


def _number(value: float) -> str:
    return f"{value:g}" if float(value) != int(value) else str(int(value))


def _scale(value: float, lo: float, hi: float, out_lo: float, out_hi: float) -> float:
    if hi == lo:
        return (out_lo + out_hi) / 2
    return round(out_lo + (value - lo) * (out_hi - out_lo) / (hi - lo), 1)


def line_chart_svg(chart: LineChart, *, chart_id: str) -> str:
    """The chart as an <svg role="img"> labelled by its own <title> and <desc>."""
    cid = escape(chart_id)
    (x_lo, x_hi), (y_lo, y_hi) = chart.x_range, chart.y_range

    def x(value: float) -> float:
        return _scale(value, x_lo, x_hi, LEFT, WIDTH - RIGHT)

    def y(value: float) -> float:
        return _scale(value, y_lo, y_hi, HEIGHT - BOTTOM, TOP)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" aria-labelledby="{cid}-title {cid}-desc">',
        f'<title id="{cid}-title">{escape(chart.title)}</title>',
        f'<desc id="{cid}-desc">{escape(chart.desc)}</desc>',
    ]
    if chart.band is not None:
        top, bottom = (
            y(max(chart.band.low, chart.band.high)),
            y(min(chart.band.low, chart.band.high)),
        )
        parts.append(
            f'<rect x="{LEFT}" y="{top}" width="{WIDTH - LEFT - RIGHT}" '
            f'height="{round(bottom - top, 1)}" fill="{BAND_FILL}">'
            f"<title>{escape(chart.band.label)}</title></rect>"
        )
    # Axes, ticks and their labels.
    parts.append(
        f'<path d="M{LEFT} {TOP}V{HEIGHT - BOTTOM}H{WIDTH - RIGHT}" stroke="#333" fill="none"/>'
    )
    for tick in chart.y_ticks:
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(tick) + 4}" text-anchor="end" font-size="11">'
            f"{_number(tick)}</text>"
        )
    for tick in chart.x_ticks:
        parts.append(
            f'<text x="{x(tick)}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
            f'font-size="11">{_number(tick)}</text>'
        )
    parts.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 4}" text-anchor="middle" '
        f'font-size="12">{escape(chart.x_label)}</text>'
        f'<text x="12" y="{(TOP + HEIGHT - BOTTOM) / 2}" text-anchor="middle" font-size="12" '
        f'transform="rotate(-90 12 {(TOP + HEIGHT - BOTTOM) / 2})">{escape(chart.y_label)}</text>'
    )
    if chart.reference is not None:
        ry = y(chart.reference.value)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ry}" y2="{ry}" '
            f'stroke="{REFERENCE_COLOUR}" stroke-dasharray="6 4">'
            f"<title>{escape(chart.reference.label)}</title></line>"
        )
    for index, series in enumerate(chart.series):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        coords = " ".join(f"{x(px)},{y(py)}" for px, py in series.points)
        if len(series.points) > 1:
            parts.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for px, py in series.points:
            parts.append(
                f'<circle cx="{x(px)}" cy="{y(py)}" r="4" fill="{colour}">'
                f"<title>{escape(series.name)}: {_number(py)} ({escape(chart.x_label)} "
                f"{_number(px)})</title></circle>"
            )
    parts.append("</svg>")
    return "".join(parts)


def table_html(*, caption: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain data table: the chart's figures for anyone who cannot see the chart."""
    head = "".join(f'<th scope="col">{escape(str(h))}</th>' for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            (
                f'<th scope="row">{escape(str(cell))}</th>'
                if i == 0
                else f"<td>{escape(str(cell))}</td>"
            )
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'<table class="chart-table"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def chart_with_table(
    chart: LineChart, *, chart_id: str, headers: Sequence[str], rows: Sequence[Sequence[object]]
) -> str:
    """The chart and its data table side by side (the table is the accessible source)."""
    return (
        f'<div class="chart-with-table" id="{escape(chart_id)}">'
        f"<figure>{line_chart_svg(chart, chart_id=chart_id)}"
        f"<figcaption>{escape(chart.title)}</figcaption></figure>"
        f"{table_html(caption=chart.title, headers=headers, rows=rows)}</div>"
    )
