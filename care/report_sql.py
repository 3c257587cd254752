"""The clinic view's figures computed by the database: per treatment and follow-up time point,
how many questionnaires were due and answered, how many answers were a meaningful improvement,
and the distribution of the change from baseline, in one query on PostgreSQL and SQLite alike.

The Python reference (care/report.py, `outcomes_report_python`) read every answer back and
judged it in `Decimal`: 50,000 answers took most of a second. Here the database joins, judges
and counts them, with the same results to the last digit:

- Scores are `Decimal` with two places, so they are compared as whole hundredths
  (`ROUND(score * 100)`): exact on PostgreSQL's numeric and on SQLite's floats alike, where
  `8.1 - 2.3` would otherwise miss a threshold of 5.8 by a rounding error.
- The median and quartiles come from the distribution the query returns, grouped by the change
  itself: (change, how many) per treatment and day, a few dozen rows on a 0-10 scale instead
  of one per answer. Reading a quantile off those counts is exact integer arithmetic. Measured
  against `PERCENTILE_CONT(...) WITHIN GROUP (ORDER BY change)` on the benchmark's 50,000
  answers, the grouping (a hash, no sort of every answer) took half the time, and it is the
  same query on SQLite, which has no `PERCENTILE_CONT`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection

from care.models import CarePlan, Instrument, PlanTemplate, Response, TimePoint


@dataclass(frozen=True)
class Figures:
    """One treatment and time point; the median and quartiles of the change from baseline in
    score points, positive better."""

    treatment: str
    days: int
    due: int
    answered: int
    improved: int
    changes: int  # answers with a baseline (the median's sample)
    median: float | None
    q1: float | None
    q3: float | None


def _hundredths(value: Decimal | None) -> int | None:
    return None if value is None else int(value * 100)


def _improved_sql(instrument: Instrument) -> tuple[str, list]:
    """care.scoring.is_improved as SQL over `score_h`, `base_h` and `change_h` (hundredths)."""
    if not instrument.compared_to_baseline:
        threshold = _hundredths(instrument.improved_if_score)
        if threshold is None:
            return "1 = 0", []
        return ("score_h <= %s" if instrument.direction == "lower" else "score_h >= %s"), [
            threshold
        ]
    points = _hundredths(instrument.improvement_points)
    # `gain > 0 or points > 0` once gain >= points: true outright when points > 0.
    otherwise = "1 = 1" if points > 0 else "change_h > 0"
    sql = f"change_h IS NOT NULL AND change_h >= %s AND ({otherwise})"
    params: list = [points]
    if instrument.improvement_percent:
        # A share of the baseline (30 % on pain) when there is a baseline to take it of.
        sql = (
            "change_h IS NOT NULL AND change_h >= %s AND (CASE WHEN base_h <> 0 "
            f"THEN change_h * 100 >= ABS(base_h) * %s ELSE ({otherwise}) END)"
        )
        params.append(instrument.improvement_percent)
    return sql, params


def _answers_sql(instrument: Instrument, now: datetime) -> tuple[str, list]:
    """Every due follow-up time point with its answer and the plan's baseline (NULL when
    missing), in hundredths: a non-responder is a row with no score. Keyed by template id
    (narrow integer rows sort in memory; the names are joined after grouping)."""
    q = connection.ops.quote_name
    point, plan, response = (q(model._meta.db_table) for model in (TimePoint, CarePlan, Response))
    change = "base_h - score_h" if instrument.direction == "lower" else "score_h - base_h"
    sql = f"""
        SELECT template_id, days, response_id, score_h, base_h, {change} AS change_h FROM (
            SELECT p.template_id, tp.days_after_procedure AS days, r.id AS response_id,
                   CAST(ROUND(r.score * 100) AS INTEGER) AS score_h, baseline.base_h
            FROM {point} tp
            JOIN {plan} p ON p.id = tp.plan_id
            LEFT JOIN {response} r ON r.time_point_id = tp.id AND r.instrument_id = %s
            LEFT JOIN (
                SELECT btp.plan_id, CAST(ROUND(b.score * 100) AS INTEGER) AS base_h
                FROM {response} b JOIN {point} btp ON btp.id = b.time_point_id
                WHERE btp.days_after_procedure = 0 AND b.instrument_id = %s
            ) baseline ON baseline.plan_id = tp.plan_id
            WHERE tp.days_after_procedure > 0 AND tp.due_at <= %s
        ) due_points
    """
    return sql, [instrument.pk, instrument.pk, now]


def outcome_figures(*, instrument: Instrument, now: datetime) -> list[Figures]:
    """Figures per (treatment, days), in no particular order (1 query)."""
    answers, params = _answers_sql(instrument, now)
    improved, improved_params = _improved_sql(instrument)
    template = connection.ops.quote_name(PlanTemplate._meta.db_table)
    # Grouped by the change as well: each treatment and day comes back as the distribution of
    # its changes (a few dozen distinct values on a 0-10 scale), with the counts beside them.
    sql = f"""
        SELECT t.name, figures.* FROM (
            SELECT template_id, days, change_h, COUNT(*), COUNT(response_id),
                   SUM(CASE WHEN {improved} THEN 1 ELSE 0 END)
            FROM ({answers}) answers GROUP BY template_id, days, change_h
        ) figures JOIN {template} t ON t.id = figures.template_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*improved_params, *params])
        rows = cursor.fetchall()
    totals: dict[tuple[int, int], list] = {}
    for treatment, template_id, days, change, count, answered, n_improved in rows:
        total = totals.setdefault((template_id, days), [treatment, 0, 0, 0, []])
        total[1] += count
        total[2] += answered
        total[3] += n_improved or 0
        if change is not None:  # answered, with a baseline: one point of the distribution
            total[4].append((int(change), count))
    figures = []
    for (_, days), (treatment, due, answered, n_improved, distribution) in totals.items():
        distribution.sort()
        changes = sum(count for _, count in distribution)
        figures.append(
            Figures(
                treatment=treatment,
                days=days,
                due=due,
                answered=answered,
                improved=n_improved,
                changes=changes,
                median=_quantile(distribution, changes, 2),
                # Python's quantiles need two values; one answer has a median and no spread.
                q1=_quantile(distribution, changes, 1) if changes >= 2 else None,
                q3=_quantile(distribution, changes, 3) if changes >= 2 else None,
            )
        )
    return figures


def _nth(distribution: list[tuple[int, int]], index: int) -> int:
    """The `index`-th (from 0) value of the sorted changes, read off their counts."""
    seen = 0
    for value, count in distribution:
        seen += count
        if index < seen:
            return value
    raise IndexError(index)


def _quantile(distribution: list[tuple[int, int]], n: int, quarter: int) -> float | None:
    """The `quarter`-th quartile (2: the median) of n changes in hundredths, in points: Python's
    `quantiles(method="inclusive")` rule, `(x[j] * (4 - d) + x[j + 1] * d) / 4` at position
    quarter * (n - 1) / 4 (which is also `statistics.median`'s and `PERCENTILE_CONT`'s), in
    exact integers, then through `Decimal` as the reference divides its `Decimal` scores."""
    if not n:
        return None
    j, d = divmod(quarter * (n - 1), 4)
    low = _nth(distribution, j)
    high = _nth(distribution, j + 1) if d else low
    return float(Decimal(low * (4 - d) + high * d) / 400)
