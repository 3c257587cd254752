"""Outcome time points and answers: when each questionnaire is due, recording answers (never
changed once given), and the safety alert when a score is clearly worse than baseline.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from care.models import (
    CarePlan,
    CarePlanStep,
    Instrument,
    Response,
    SafetyAlert,
    TimePoint,
)
from care.scoring import instrument_score, is_clearly_worse

# Statuses of the procedure visit the follow-ups count from (a cancelled one: none).
_PROCEDURE_HELD = ("requested", "confirmed", "arrived", "completed")


def procedure_step(plan: CarePlan) -> CarePlanStep | None:
    return (
        plan.steps.select_related("appointment")
        .filter(template_step__is_procedure=True)
        .order_by("position")
        .first()
    )


@transaction.atomic
def time_points_sync(*, plan: CarePlan, now: datetime) -> list[TimePoint]:
    """The baseline (due when the plan starts, before the procedure) and, once the procedure
    is booked, a follow-up per schedule day after it; unanswered follow-ups follow the
    procedure when it moves."""
    schedule = plan.template.outcome_schedule
    if schedule is None:
        return []
    TimePoint.objects.get_or_create(
        plan=plan, days_after_procedure=0, defaults={"due_at": plan.started_at}
    )
    step = procedure_step(plan)
    appointment = step.appointment if step else None
    if appointment is not None and appointment.status in _PROCEDURE_HELD:
        for days in schedule.follow_up_days:
            due_at = appointment.start + timedelta(days=days)
            point, created = TimePoint.objects.get_or_create(
                plan=plan, days_after_procedure=days, defaults={"due_at": due_at}
            )
            if not created and point.answered_at is None and point.due_at != due_at:
                TimePoint.objects.filter(pk=point.pk).update(due_at=due_at)
    return list(plan.time_points.order_by("days_after_procedure"))


def questionnaires_open(*, plan: CarePlan, now: datetime) -> list[TimePoint]:
    """Time points the patient may answer now: due, unanswered, the plan running and the
    patient not opted out."""
    if not plan.is_active or plan.outcomes_opted_out_at is not None:
        return []
    return list(
        plan.time_points.filter(due_at__lte=now, answered_at__isnull=True).order_by(
            "days_after_procedure"
        )
    )


def time_point_instruments(point: TimePoint) -> list[Instrument]:
    """What is asked at a time point: the schedule's instruments, but a transition question
    (PGIC) never at baseline."""
    schedule = point.plan.template.outcome_schedule
    if schedule is None:
        return []
    instruments = schedule.instruments.filter(active=True).prefetch_related("items")
    if point.is_baseline:
        instruments = instruments.filter(compared_to_baseline=True)
    return list(instruments.order_by("display_order", "name"))


class AnswerInvalid(ValueError):
    pass


@transaction.atomic
def time_point_answer(
    *, point: TimePoint, answers: dict[str, int], now: datetime
) -> list[Response]:
    """Record the answers to every instrument of the time point at once (never changed once
    given), and alert the treating clinician of any score clearly worse than baseline.

    `answers` maps "<instrument id>-<item position>" to the chosen value; any missing or
    out-of-range value raises AnswerInvalid (the page shows it as a form error)."""
    point = TimePoint.objects.select_for_update().select_related("plan").get(pk=point.pk)
    if point.answered_at is not None:
        raise AnswerInvalid("already answered")
    instruments = time_point_instruments(point)
    baselines = {}
    if not point.is_baseline:
        baselines = dict(
            Response.objects.filter(
                time_point__plan=point.plan, time_point__days_after_procedure=0
            ).values_list("instrument_id", "score")
        )
    responses = []
    for instrument in instruments:
        values = []
        for item in instrument.items.all():
            value = answers.get(f"{instrument.pk}-{item.position}")
            if value not in item.allowed_values():
                raise AnswerInvalid(f"{instrument.pk}-{item.position}")
            values.append(value)
        score = instrument_score(scoring=instrument.scoring, values=values)
        response = Response.objects.create(
            time_point=point,
            instrument=instrument,
            answers={
                str(i.position): v for i, v in zip(instrument.items.all(), values, strict=True)
            },
            score=score,
            submitted_at=now,
        )
        responses.append(response)
        baseline = baselines.get(instrument.pk)
        if not point.is_baseline and is_clearly_worse(instrument, baseline=baseline, score=score):
            SafetyAlert.objects.create(response=response, plan=point.plan, created_at=now)
    TimePoint.objects.filter(pk=point.pk).update(answered_at=now)
    return responses


def outcomes_opt_out(*, plan: CarePlan, now: datetime) -> None:
    """The patient wants no more questionnaires: none is sent from now on (the ledger's
    send-time check skips any already queued); their visits and links are unchanged."""
    CarePlan.objects.filter(pk=plan.pk, outcomes_opted_out_at__isnull=True).update(
        outcomes_opted_out_at=now
    )
    plan.refresh_from_db(fields=["outcomes_opted_out_at"])


def outcomes_opt_back_in(*, plan: CarePlan) -> None:
    CarePlan.objects.filter(pk=plan.pk).update(outcomes_opted_out_at=None)
    plan.outcomes_opted_out_at = None


def alert_mark_seen(*, alert: SafetyAlert, acting_user, now: datetime) -> None:
    """The treating clinician (or the manager) has seen the alert; the first to see it counts."""
    SafetyAlert.objects.filter(pk=alert.pk, seen_at__isnull=True).update(
        seen_at=now, seen_by=acting_user
    )
