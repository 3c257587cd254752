"""Demo care data for `make run`: two plan templates with an outcome schedule, and ~40 demo
patients in plans started over the past year with their answers: most improve, some do not
answer the follow-ups, some get worse (with the safety alerts that raises).

Idempotent: once the demo plans exist, nothing is added. Deterministic (a seeded generator).
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from booking.interface import ConsultationType, Patient, Practitioner
from care.models import (
    CarePlan,
    Instrument,
    OutcomeSchedule,
    PlanTemplate,
    PlanTemplateStep,
    Response,
    SafetyAlert,
    TimePoint,
)
from care.scoring import instrument_score, is_clearly_worse

PATIENTS = 40
DEMO_EMAIL_DOMAIN = "demo-patient.example"
# (name, first step slug) for each course: consult, the procedure 7-21 days later, follow-ups.
COURSES = [
    ("Knee PRP course", "initial-consultation"),
    ("Hip PRP course", "regenerative-consultation"),
]


def _types() -> tuple[ConsultationType, ConsultationType] | None:
    follow_up = ConsultationType.objects.filter(slug="follow-up").first()
    if follow_up is None:
        return None
    procedure, _ = ConsultationType.objects.get_or_create(
        slug="prp-injection",
        defaults={
            "name": "PRP injection",
            "name_es": "Inyección de PRP",
            "description": "A platelet-rich plasma injection, booked within a care plan.",
            "description_es": "Una inyección de plasma rico en plaquetas, reservada dentro de "
            "un plan de atención.",
            "duration_minutes": 45,
            "plan_only": True,
            "display_order": 20,
        },
    )
    for practitioner in Practitioner.objects.all():
        practitioner.consultation_types.add(procedure)
    return procedure, follow_up


def _templates(procedure, follow_up) -> list[PlanTemplate]:
    schedule, created = OutcomeSchedule.objects.get_or_create(
        name="Standard joint outcomes", defaults={"follow_up_days": [42, 91, 182, 365]}
    )
    if created:
        schedule.instruments.set(Instrument.objects.filter(active=True))
    templates = []
    for name, first_slug in COURSES:
        first = ConsultationType.objects.filter(slug=first_slug).first() or follow_up
        template, created = PlanTemplate.objects.get_or_create(
            name=name, defaults={"outcome_schedule": schedule}
        )
        if created:
            for position, (kind, earliest, latest, is_procedure) in enumerate(
                [(first, 0, 0, False), (procedure, 7, 21, True), (follow_up, 35, 49, False)],
                start=1,
            ):
                PlanTemplateStep.objects.create(
                    template=template,
                    position=position,
                    consultation_type=kind,
                    earliest_days_after_previous=earliest,
                    latest_days_after_previous=latest,
                    is_procedure=is_procedure,
                )
        templates.append(template)
    return templates


def _value(item, wellness: float, direction: str) -> int:
    """The allowed answer nearest to a wellness between 0 (worst) and 1 (best)."""
    lo, hi = item.min_value, item.max_value
    allowed = item.allowed_values()
    if item.options:
        lo, hi = min(allowed), max(allowed)
    target = lo + ((1 - wellness) if direction == "lower" else wellness) * (hi - lo)
    return min(allowed, key=lambda v: abs(v - target))


def _answer(point: TimePoint, instruments, wellness: float, baselines: dict, now) -> None:
    for instrument in instruments:
        if point.is_baseline and not instrument.compared_to_baseline:
            continue  # the change question is never asked at baseline
        items = list(instrument.items.all())
        values = [_value(item, wellness, instrument.direction) for item in items]
        score = instrument_score(scoring=instrument.scoring, values=values)
        response = Response.objects.create(
            time_point=point,
            instrument=instrument,
            answers={str(i.position): v for i, v in zip(items, values, strict=True)},
            score=score,
            submitted_at=point.due_at + timedelta(hours=5),
        )
        if point.is_baseline:
            baselines[instrument.pk] = score
        elif is_clearly_worse(instrument, baseline=baselines.get(instrument.pk), score=score):
            SafetyAlert.objects.create(response=response, plan=point.plan, created_at=now)
    point.answered_at = point.due_at + timedelta(hours=5)
    point.save(update_fields=["answered_at"])


@transaction.atomic
def seed_demo(stdout) -> None:
    types = _types()
    clinicians = list(Practitioner.objects.filter(active=True)) if types else []
    if not clinicians:
        stdout.write("Care demo skipped: booking's demo types and practitioners come first.")
        return
    templates = _templates(*types)
    if CarePlan.objects.filter(patient__email__endswith=DEMO_EMAIL_DOMAIN).exists():
        return
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    now = timezone.now()
    instruments = list(
        Instrument.objects.filter(active=True).prefetch_related("items").order_by("display_order")
    )
    follow_up_days = templates[0].outcome_schedule.follow_up_days
    for n in range(1, PATIENTS + 1):
        patient = Patient.objects.create(
            full_name=f"Demo patient {n:02d}",
            email=f"demo{n:02d}@{DEMO_EMAIL_DOMAIN}",
            date_of_birth=now.date() - timedelta(days=365 * rng.randint(38, 92)),
        )
        started = now - timedelta(days=rng.randint(20, 420))
        plan = CarePlan.objects.create(
            patient=patient,
            template=templates[n % len(templates)],
            clinician=clinicians[n % len(clinicians)],
            started_at=started,
        )
        procedure_day = started + timedelta(days=14)
        # About one in five never answers a follow-up; about one in six gets worse.
        profile = rng.random()
        responder = profile > 0.2
        worse = 0.2 < profile < 0.36
        wellness = rng.uniform(0.1, 0.35)
        baselines: dict[int, Decimal] = {}
        baseline = TimePoint.objects.create(plan=plan, days_after_procedure=0, due_at=started)
        _answer(baseline, instruments, wellness, baselines, now)
        for days in follow_up_days:
            due = procedure_day + timedelta(days=days)
            if due > now:
                break
            point = TimePoint.objects.create(plan=plan, days_after_procedure=days, due_at=due)
            if not responder or rng.random() < 0.1:
                continue
            step = -rng.uniform(0.1, 0.3) if worse else rng.uniform(0.1, 0.5)
            _answer(point, instruments, max(0.0, min(1.0, wellness + step)), baselines, now)
    stdout.write(f"Care demo: {PATIENTS} patients in plans, with a year of answers.")
