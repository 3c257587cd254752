"""The care app's models: instruments, plans, outcomes, consent (one module per aggregate)."""

from care.models.consent import ConsentRecord, ConsentText
from care.models.instruments import Instrument, InstrumentItem
from care.models.outcomes import Response, SafetyAlert, TimePoint
from care.models.plans import (
    CarePlan,
    CarePlanStep,
    OutcomeSchedule,
    PlanTemplate,
    PlanTemplateStep,
    new_plan_reference,
    validate_follow_up_days,
)
from care.models.rescheduling import RescheduleAlert

__all__ = [
    "CarePlan",
    "CarePlanStep",
    "ConsentRecord",
    "ConsentText",
    "Instrument",
    "InstrumentItem",
    "OutcomeSchedule",
    "PlanTemplate",
    "PlanTemplateStep",
    "RescheduleAlert",
    "Response",
    "SafetyAlert",
    "TimePoint",
    "new_plan_reference",
    "validate_follow_up_days",
]
