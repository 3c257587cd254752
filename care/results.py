"""What the outcomes show a clinician: one patient's scores over time per instrument, against
the baseline and the band of meaningful improvement (clinic/charts.py draws them).

Callers pass plans already cut to what the user may see (care/backoffice/rows.py).
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from care.models import CarePlan, Instrument, InstrumentItem, Response, TimePoint
from care.scoring import improvement, improvement_threshold, is_improved, score_range
from clinic.charts import Band, LineChart, Reference, Series, chart_with_table


def _when(days: int) -> str:
    return "Baseline" if days == 0 else f"Day {days}"


def plan_charts(plans: QuerySet[CarePlan]) -> list[dict]:
    """[{plan, instrument, html}] for every instrument a plan has answers to (4 queries)."""
    plans = plans.select_related("template").prefetch_related(
        Prefetch(
            "time_points",
            queryset=TimePoint.objects.order_by("days_after_procedure").prefetch_related(
                Prefetch(
                    "responses",
                    queryset=Response.objects.select_related("instrument").prefetch_related(
                        Prefetch("instrument__items", queryset=InstrumentItem.objects.all())
                    ),
                )
            ),
        )
    )
    charts = []
    for plan in plans:
        by_instrument: dict[int, list[tuple[int, Response]]] = {}
        instruments: dict[int, Instrument] = {}
        for point in plan.time_points.all():
            for response in point.responses.all():
                instruments[response.instrument_id] = response.instrument
                by_instrument.setdefault(response.instrument_id, []).append(
                    (point.days_after_procedure, response)
                )
        for instrument_id, answered in by_instrument.items():
            instrument = instruments[instrument_id]
            charts.append(
                {
                    "plan": plan,
                    "instrument": instrument,
                    "html": _chart(plan=plan, instrument=instrument, answered=answered),
                }
            )
    return charts


def _chart(*, plan: CarePlan, instrument: Instrument, answered: list[tuple[int, Response]]) -> str:
    baseline = next((r.score for days, r in answered if days == 0), None)
    low, high = score_range(
        scoring=instrument.scoring,
        ranges=[(i.min_value, i.max_value) for i in instrument.items.all()],
    )
    threshold = improvement_threshold(instrument, baseline=baseline)
    band = None
    if threshold is not None:
        edge = min(max(threshold, low), high)
        zone = (low, edge) if instrument.direction == "lower" else (edge, high)
        band = Band(low=float(zone[0]), high=float(zone[1]), label="Meaningful improvement")
    last_day = max(days for days, _ in answered)
    rows = []
    for days, response in answered:
        change = (
            improvement(direction=instrument.direction, baseline=baseline, score=response.score)
            if baseline is not None and days and instrument.compared_to_baseline
            else None
        )
        improved = days and is_improved(instrument, baseline=baseline, score=response.score)
        rows.append(
            [
                _when(days),
                response.score,
                "" if change is None else f"{change:+}",
                ("yes" if improved else "no") if days else "",
            ]
        )
    better = "lower" if instrument.direction == "lower" else "higher"
    chart = LineChart(
        title=f"{instrument.name}: scores over time",
        desc=(
            f"{len(answered)} answer(s) from baseline to day {last_day}; {better} is better. "
            + (f"Baseline {baseline}. " if baseline is not None else "No baseline. ")
            + (f"Meaningful improvement at {threshold:.2f} or {better}." if threshold else "")
        ),
        x_label="Days after the procedure",
        y_label=instrument.short_name,
        x_range=(0, max(last_day, 1)),
        y_range=(float(low), float(high)),
        series=(
            Series(
                name=instrument.short_name,
                points=tuple((float(days), float(r.score)) for days, r in answered),
            ),
        ),
        band=band,
        reference=(
            Reference(value=float(baseline), label=f"Baseline {baseline}")
            if baseline is not None and instrument.compared_to_baseline
            else None
        ),
        x_ticks=tuple(float(days) for days, _ in answered),
        y_ticks=(float(low), float((low + high) / 2), float(high)),
    )
    return chart_with_table(
        chart,
        chart_id=f"outcome-{plan.pk}-{instrument.pk}",
        headers=["When", "Score", "Change (positive is better)", "Meaningful improvement"],
        rows=rows,
    )
