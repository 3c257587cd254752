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


# --- Bar charts (the manager's reports) -------------------------------------------------------
# Grouped vertical bars, one group per label. No inline styles (the CSP forbids them): series
# are told apart by a class (`series-0`...) the page's CSS colours, by their position in the
# group and by the legend's text; each bar carries its value as a <title>.

SERIES_CLASSES = 6


@dataclass(frozen=True, slots=True)
class BarSeries:
    """One series of a bar chart: a value (or None) per label."""

    name: str
    values: tuple[float | None, ...]


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    text = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    return f"{text}{unit}"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: list[str],
    series: list[BarSeries],
    unit: str = "",
    width: int = 640,
    height: int = 220,
) -> str:
    """Grouped vertical bars, one group per label, one bar per series; SVG markup (escaped)."""
    cid = escape(chart_id)
    left, bottom, top, legend_h = 44, 40, 10, 18 * ((len(series) + 2) // 3)
    plot_h = height - bottom - top - legend_h
    plot_w = width - left - 10
    values = [v for s in series for v in s.values if v is not None]
    peak = max(values, default=0) or 1
    group_w = plot_w / max(1, len(labels))
    bar_w = max(2.0, (group_w * 0.8) / max(1, len(series)))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" role="img" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{cid}-title {cid}-desc">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(description)}</desc>',
    ]
    base = top + plot_h
    for frac in (0, 0.5, 1):
        y = base - frac * plot_h
        parts.append(
            f'<line class="chart-grid" x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" '
            f'y2="{y:.1f}"/><text class="chart-axis" x="{left - 4}" y="{y + 4:.1f}" '
            f'text-anchor="end">{escape(_fmt(peak * frac, unit))}</text>'
        )
    for i, label in enumerate(labels):
        x0 = left + i * group_w + group_w * 0.1
        for j, s in enumerate(series):
            value = s.values[i] if i < len(s.values) else None
            if value is None:
                continue
            h = plot_h * (value / peak)
            parts.append(
                f'<rect class="series-{j % SERIES_CLASSES}" x="{x0 + j * bar_w:.1f}" '
                f'y="{base - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}">'
                f"<title>{escape(s.name)}, {escape(label)}: {escape(_fmt(value, unit))}</title>"
                "</rect>"
            )
        if len(labels) <= 16 or i % max(1, len(labels) // 12) == 0:
            parts.append(
                f'<text class="chart-axis" x="{left + (i + 0.5) * group_w:.1f}" '
                f'y="{base + 14}" text-anchor="middle">{escape(label[:14])}</text>'
            )
    for j, s in enumerate(series):
        lx = left + (j % 3) * (plot_w / 3)
        ly = height - legend_h + 12 + 18 * (j // 3)
        parts.append(
            f'<rect class="series-{j % SERIES_CLASSES}" x="{lx:.1f}" y="{ly - 9}" width="10" '
            f'height="10"/><text class="chart-legend" x="{lx + 14:.1f}" y="{ly}">'
            f"{escape(s.name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart_table(
    *, labels: list[str], series: list[BarSeries], unit: str = ""
) -> tuple[list[str], list[list[str]]]:
    """The chart's numbers as (header, rows) for the table beside it."""
    header = ["", *[s.name for s in series]]
    rows = [
        [label, *[_fmt(s.values[i] if i < len(s.values) else None, unit) for s in series]]
        for i, label in enumerate(labels)
    ]
    return header, rows
