"""Scoring outcome answers: pure functions of an instrument's data (no queries).

`improvement` is signed so that positive is better whatever the instrument's direction.
"""

from __future__ import annotations

from decimal import Decimal
from statistics import mean


def instrument_score(*, scoring: str, values: list[int]) -> Decimal:
    if scoring == "sum":
        return Decimal(sum(values))
    if scoring == "mean":
        return Decimal(str(round(mean(values), 2)))
    return Decimal(values[0])


def improvement(*, direction: str, baseline: Decimal, score: Decimal) -> Decimal:
    return baseline - score if direction == "lower" else score - baseline


def is_improved(instrument, *, baseline: Decimal | None, score: Decimal) -> bool:
    """Meaningful improvement by the instrument's own rule (e.g. 2 points and 30 % on pain)."""
    if not instrument.compared_to_baseline:
        threshold = instrument.improved_if_score
        if instrument.direction == "lower":
            return score <= threshold
        return score >= threshold
    if baseline is None:
        return False
    gain = improvement(direction=instrument.direction, baseline=baseline, score=score)
    if gain < instrument.improvement_points:
        return False
    if instrument.improvement_percent and baseline:
        return gain * 100 >= abs(baseline) * instrument.improvement_percent
    return gain > 0 or instrument.improvement_points > 0


def is_clearly_worse(instrument, *, baseline: Decimal | None, score: Decimal) -> bool:
    """Worse than baseline by the instrument's alert threshold."""
    if not instrument.compared_to_baseline:
        threshold = instrument.worse_if_score
        if instrument.direction == "lower":
            return score >= threshold
        return score <= threshold
    if baseline is None:
        return False
    loss = -improvement(direction=instrument.direction, baseline=baseline, score=score)
    return loss >= instrument.worse_points and loss > 0


def score_range(*, scoring: str, ranges: list[tuple[int, int]]) -> tuple[Decimal, Decimal]:
    """The lowest and highest score the items' (min, max) ranges allow."""
    lows = [lo for lo, _ in ranges] or [0]
    highs = [hi for _, hi in ranges] or [10]
    return instrument_score(scoring=scoring, values=lows), instrument_score(
        scoring=scoring, values=highs
    )


def improvement_threshold(instrument, *, baseline: Decimal | None) -> Decimal | None:
    """The score at or beyond which the answer counts as a meaningful improvement (the edge of
    the chart's band), or None without a baseline."""
    if not instrument.compared_to_baseline:
        return instrument.improved_if_score
    if baseline is None:
        return None
    gain = instrument.improvement_points
    if instrument.improvement_percent:
        gain = max(gain, abs(baseline) * instrument.improvement_percent / 100)
    return baseline - gain if instrument.direction == "lower" else baseline + gain
