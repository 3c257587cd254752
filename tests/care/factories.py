"""factory_boy factories for the care models."""

from __future__ import annotations

import factory
from django.utils import timezone

from care.models import (
    CarePlan,
    CarePlanStep,
    Instrument,
    OutcomeSchedule,
    PlanTemplate,
    PlanTemplateStep,
    TimePoint,
)
from tests.factories import ConsultationTypeFactory, PatientFactory, PractitionerFactory


class OutcomeScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutcomeSchedule
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Schedule {n}")
    follow_up_days = [42, 91, 182, 365]
    reminder_after_days = 7

    @factory.post_generation
    def instruments(self, create, extracted, **kwargs):
        if create:
            self.instruments.set(
                extracted if extracted is not None else Instrument.objects.filter(active=True)
            )


class PlanTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanTemplate

    name = factory.Sequence(lambda n: f"Knee PRP {n}")
    outcome_schedule = factory.SubFactory(OutcomeScheduleFactory)


class PlanTemplateStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanTemplateStep

    template = factory.SubFactory(PlanTemplateFactory)
    position = factory.Sequence(lambda n: n + 1)
    consultation_type = factory.SubFactory(ConsultationTypeFactory)


def knee_prp_template(*, consult=None, procedure=None, follow_up=None) -> PlanTemplate:
    """Consult, then a procedure 7-21 days later, then follow-ups 12-16 and 40-44 days after."""
    consult = consult or ConsultationTypeFactory(name="Consultation", slug="consult")
    procedure = procedure or ConsultationTypeFactory(
        name="PRP injection", slug="prp", plan_only=True
    )
    follow_up = follow_up or ConsultationTypeFactory(
        name="Follow-up", slug="follow-up", plan_only=True
    )
    template = PlanTemplateFactory(name="Knee PRP")
    for position, (kind, earliest, latest, is_procedure) in enumerate(
        [
            (consult, 0, 0, False),
            (procedure, 7, 21, True),
            (follow_up, 12, 16, False),
            (follow_up, 26, 30, False),
        ],
        start=1,
    ):
        PlanTemplateStepFactory(
            template=template,
            position=position,
            consultation_type=kind,
            earliest_days_after_previous=earliest,
            latest_days_after_previous=latest,
            is_procedure=is_procedure,
        )
    return template


class CarePlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CarePlan

    patient = factory.SubFactory(PatientFactory)
    template = factory.SubFactory(PlanTemplateFactory)
    clinician = factory.SubFactory(PractitionerFactory)
    started_at = factory.LazyFunction(timezone.now)


class CarePlanStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CarePlanStep

    plan = factory.SubFactory(CarePlanFactory)
    template_step = factory.SubFactory(PlanTemplateStepFactory)
    position = factory.Sequence(lambda n: n + 1)


class TimePointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimePoint

    plan = factory.SubFactory(CarePlanFactory)
    days_after_procedure = 0
    due_at = factory.LazyFunction(timezone.now)
