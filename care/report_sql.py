"""The clinic view's figures computed by the database: per treatment and follow-up time point,
how many questionnaires were due and answered, how many answers were a meaningful improvement,
and the quartiles of the change from baseline (one query on PostgreSQL).

The Python reference (care/report.py, `outcomes_report_python`) read every answer back and
judged it in `Decimal`: 50,000 answers took most of a second. Here the database does it, with
the same results to the last digit:

- Scores are `Decimal` with two places, so they are compared as whole hundredths
  (`ROUND(score * 100)`): exact on PostgreSQL's numeric and on SQLite's floats alike, where
  `8.1 - 2.3` would otherwise miss a threshold of 5.8 by a rounding error.
- Quartiles interpolate like Python's `quantiles(method="inclusive")`, which is
  `PERCENTILE_CONT`'s rule; over whole hundredths the interpolation is exact in a double (it
  only halves or quarters), and the caller turns hundredths back through `Decimal`.
- SQLite has no `PERCENTILE_CONT`: it counts in SQL the same way and reads the sorted changes
  (one integer per answer with a baseline) to take the quartiles in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from statistics import median, quantiles

from django.db import connection

from care.models import CarePlan, Instrument, PlanTemplate, Response, TimePoint


@dataclass(frozen=True)
class Figures:
    """One treatment and time point; changes in hundredths of a score point, positive better."""

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
    """Figures per (treatment, days), in no particular order (1 query; 2 on SQLite)."""
    answers, params = _answers_sql(instrument, now)
    improved, improved_params = _improved_sql(instrument)
    postgres = connection.vendor == "postgresql"
    spread = (
        ", PERCENTILE_CONT(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP "
        "(ORDER BY CAST(change_h AS DOUBLE PRECISION))"
        if postgres
        else ""
    )
    template = connection.ops.quote_name(PlanTemplate._meta.db_table)
    sql = f"""
        SELECT t.name, figures.* FROM (
            SELECT template_id, days, COUNT(*), COUNT(response_id),
                   SUM(CASE WHEN {improved} THEN 1 ELSE 0 END), COUNT(change_h){spread}
            FROM ({answers}) answers GROUP BY template_id, days
        ) figures JOIN {template} t ON t.id = figures.template_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*improved_params, *params])
        rows = cursor.fetchall()
        if postgres:
            quartiles = {(row[1], row[2]): row[7] for row in rows}
        else:
            quartiles = _quartiles_in_python(cursor, answers, params)
    figures = []
    for treatment, template_id, days, due, answered, n_improved, changes, *_ in rows:
        q1, mid, q3 = quartiles.get((template_id, days)) or (None, None, None)
        figures.append(
            Figures(
                treatment=treatment,
                days=days,
                due=due,
                answered=answered,
                improved=n_improved or 0,
                changes=changes,
                median=_points(mid),
                # Python's quantiles need two values; one answer has a median and no spread.
                q1=_points(q1) if changes >= 2 else None,
                q3=_points(q3) if changes >= 2 else None,
            )
        )
    return figures


def _quartiles_in_python(cursor, answers: str, params: list) -> dict:
    cursor.execute(
        f"SELECT template_id, days, change_h FROM ({answers}) answers "
        "WHERE change_h IS NOT NULL ORDER BY template_id, days, change_h",
        params,
    )
    by_key: dict[tuple[int, int], list[int]] = {}
    for template_id, days, change in cursor.fetchall():
        by_key.setdefault((template_id, days), []).append(int(change))
    result = {}
    for key, values in by_key.items():
        q1 = q3 = None
        if len(values) >= 2:
            q1, _, q3 = quantiles(values, n=4, method="inclusive")
        result[key] = (q1, median(values), q3)
    return result


def _points(hundredths: float | None) -> float | None:
    # Hundredths interpolated by halves or quarters are exact in a double; through Decimal the
    # division by 100 is exact too, so the float is the one Python's Decimal median gives.
    return None if hundredths is None else float(Decimal(hundredths) / 100)
