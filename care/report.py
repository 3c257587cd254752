"""The clinic's outcome figures (the manager's view): per treatment and follow-up time point,
how many questionnaires were due and answered, the median change from baseline with its spread,
and the share improved of those who answered and of all who were due (missing = not improved).

Reported on one instrument at a time (the schedule's first compared-to-baseline instrument by
default). The database judges and counts the answers (care/report_sql.py, one query);
`outcomes_report_python` is the reference it is tested against (every answer read back and
judged in Python by care/scoring.py).
Also the de-identified export (HIPAA Safe Harbor: random study ids, no dates but days since
baseline, ages over 89 grouped, no names, contacts or places).
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from statistics import median, quantiles

from django.db.models import Count

from care.models import Instrument, Response, TimePoint
from care.report_sql import outcome_figures
from care.scoring import improvement, is_improved


@dataclass(frozen=True)
class OutcomeRow:
    treatment: str
    timepoint: int  # days after the procedure
    due: int
    answered: int
    median_change: float | None
    change_q1: float | None
    change_q3: float | None
    improved: int
    improved_pct_of_answered: float | None
    improved_pct_of_due: float | None

    @property
    def response_rate(self) -> float | None:
        return _pct(self.answered, self.due)

    def as_dict(self) -> dict:
        return asdict(self)


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def report_instrument(slug: str | None = None) -> Instrument | None:
    queryset = Instrument.objects.filter(compared_to_baseline=True)
    if slug:
        return queryset.filter(slug=slug).first()
    return queryset.filter(active=True).order_by("display_order", "name").first()


def _answers(instrument: Instrument, now: datetime):
    """(plan id, template name, days, score) of follow-up answers, and baselines by plan."""
    follow_ups = Response.objects.filter(
        instrument=instrument,
        time_point__days_after_procedure__gt=0,
        time_point__due_at__lte=now,
    ).values_list(
        "time_point__plan_id",
        "time_point__plan__template__name",
        "time_point__days_after_procedure",
        "score",
        "submitted_at",
    )
    baselines = dict(
        Response.objects.filter(
            instrument=instrument, time_point__days_after_procedure=0
        ).values_list("time_point__plan_id", "score")
    )
    return list(follow_ups), baselines


def outcomes_report(*, instrument: Instrument, now: datetime) -> list[OutcomeRow]:
    """One row per treatment and follow-up time point, ordered by treatment then day (1
    query)."""
    rows = [
        OutcomeRow(
            treatment=f.treatment,
            timepoint=f.days,
            due=f.due,
            answered=f.answered,
            median_change=f.median,
            change_q1=f.q1,
            change_q3=f.q3,
            improved=f.improved,
            improved_pct_of_answered=_pct(f.improved, f.answered),
            improved_pct_of_due=_pct(f.improved, f.due),
        )
        for f in outcome_figures(instrument=instrument, now=now)
    ]
    # Sorted here, not by the database's collation, as the reference sorts them.
    return sorted(rows, key=lambda row: (row.treatment, row.timepoint))


def outcomes_report_python(*, instrument: Instrument, now: datetime) -> list[OutcomeRow]:
    """The reference: the same rows computed in Python from every answer (3 queries)."""
    due = {
        (row["plan__template__name"], row["days_after_procedure"]): row["n"]
        for row in TimePoint.objects.filter(days_after_procedure__gt=0, due_at__lte=now)
        .values("plan__template__name", "days_after_procedure")
        .annotate(n=Count("pk"))
    }
    follow_ups, baselines = _answers(instrument, now)
    answered: dict[tuple[str, int], int] = {}
    changes: dict[tuple[str, int], list[Decimal]] = {}
    improved: dict[tuple[str, int], int] = {}
    for plan_id, treatment, days, score, _ in follow_ups:
        key = (treatment, days)
        answered[key] = answered.get(key, 0) + 1
        baseline = baselines.get(plan_id)
        if baseline is not None:
            changes.setdefault(key, []).append(
                improvement(direction=instrument.direction, baseline=baseline, score=score)
            )
        if is_improved(instrument, baseline=baseline, score=score):
            improved[key] = improved.get(key, 0) + 1
    rows = []
    for key in sorted(set(due) | set(answered)):
        spread = changes.get(key, [])
        q1 = q3 = None
        if len(spread) >= 2:
            q1, _, q3 = quantiles(spread, n=4, method="inclusive")
        n_due, n_answered, n_improved = due.get(key, 0), answered.get(key, 0), improved.get(key, 0)
        rows.append(
            OutcomeRow(
                treatment=key[0],
                timepoint=key[1],
                due=n_due,
                answered=n_answered,
                median_change=float(median(spread)) if spread else None,
                change_q1=None if q1 is None else float(q1),
                change_q3=None if q3 is None else float(q3),
                improved=n_improved,
                improved_pct_of_answered=_pct(n_improved, n_answered),
                improved_pct_of_due=_pct(n_improved, n_due),
            )
        )
    return rows


DEIDENTIFIED_HEADERS = [
    "study_id",
    "treatment",
    "instrument",
    "timepoint_days",
    "days_since_baseline",
    "age_at_baseline",
    "baseline_score",
    "score",
    "change",
]


def _age(born, on) -> str:
    if born is None:
        return ""
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return "90+" if years > 89 else str(years)  # Safe Harbor groups every age over 89


def outcomes_deidentified_rows(*, instrument: Instrument, now: datetime) -> list[list]:
    """One row per answer: a study id drawn afresh for each export (never the patient's id),
    no dates (days since the baseline answer instead), ages over 89 as "90+" (3 queries)."""
    baselines = {
        plan_id: (score, submitted_at, born)
        for plan_id, score, submitted_at, born in Response.objects.filter(
            instrument=instrument, time_point__days_after_procedure=0
        ).values_list(
            "time_point__plan_id",
            "score",
            "submitted_at",
            "time_point__plan__patient__date_of_birth",
        )
    }
    patients = dict(
        Response.objects.filter(instrument=instrument)
        .values_list("time_point__plan_id", "time_point__plan__patient_id")
        .distinct()
    )
    study_ids: dict[int, str] = {}
    follow_ups, _ = _answers(instrument, now)
    rows = []
    for plan_id, treatment, days, score, submitted_at in follow_ups:
        patient_id = patients.get(plan_id)
        study_id = study_ids.setdefault(patient_id, secrets.token_hex(6))
        baseline = baselines.get(plan_id)
        base_score, base_at, born = baseline if baseline else (None, None, None)
        rows.append(
            [
                study_id,
                treatment,
                instrument.short_name,
                days,
                (submitted_at - base_at).days if base_at else "",
                _age(born, base_at.date()) if base_at else "",
                "" if base_score is None else base_score,
                score,
                ""
                if base_score is None
                else improvement(direction=instrument.direction, baseline=base_score, score=score),
            ]
        )
    rows.sort(key=lambda row: (row[0], row[1], row[3]))
    return rows
