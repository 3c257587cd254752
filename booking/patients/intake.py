"""The visit's intake: what the patient tells us before the visit (health details, kept apart
from scheduling).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from booking.models import (
    Appointment,
    Intake,
    Joint,
)


@dataclass(frozen=True, kw_only=True)
class IntakeDetails:
    """What the patient says at booking, online or on the phone."""

    joints: list[str] = field(default_factory=list)
    note: str = ""
    pain_score: int | None = None

    def intake_new(self, *, appointment: Appointment) -> Intake:
        """The visit's intake row, validated (joints from Joint, pain 0-10) and saved."""
        intake = Intake(
            appointment=appointment,
            joints=list(self.joints),
            note=self.note,
            pain_score=self.pain_score,
        )
        intake.full_clean(exclude=["appointment"])
        intake.save()
        return intake


def intake_joint_labels(intake: Intake) -> str:
    """The joints as words ("Knee, Hip"); a value no longer in Joint is shown as stored."""
    labels = dict(Joint.choices)
    return ", ".join(str(labels.get(value, value)) for value in intake.joints or [])


QUESTIONNAIRE_FIELDS = (
    "pain_score",
    "pain_duration",
    "aggravating_factors",
    "previous_treatments",
    "current_medications",
    "imaging",
)


def intake_update(
    *, appointment: Appointment, answers: dict, now: datetime | None = None
) -> Intake:
    """Save the pre-visit questionnaire's answers to the visit's intake.

    Only the questionnaire's own fields are written (unknown keys are ignored), so a caller can
    never touch the joints or note given at booking, nor any scheduling data.
    """
    now = now or timezone.now()
    changes = {name: answers[name] for name in QUESTIONNAIRE_FIELDS if name in answers}
    with transaction.atomic():
        intake, _ = Intake.objects.select_for_update().get_or_create(appointment=appointment)
        for name, value in changes.items():
            setattr(intake, name, "" if value is None and name != "pain_score" else value)
        intake.questionnaire_completed_at = now
        intake.full_clean(exclude=["appointment", "joints"])
        intake.save()
    return intake
