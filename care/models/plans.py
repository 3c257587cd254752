"""Care plans: templates (a named course of ordered steps), and the plans started from them."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


def new_plan_reference() -> str:
    # Opaque: the private link is an HMAC over it (booking/links/tokens.py), never an id.
    return secrets.token_hex(16)


def validate_follow_up_days(value) -> None:
    if (
        not isinstance(value, list)
        or not value
        or any(not isinstance(d, int) or not 1 <= d <= 3650 for d in value)
        or sorted(set(value)) != value
    ):
        raise ValidationError(
            "Whole days after the procedure, increasing, e.g. [42, 91, 182, 365]."
        )


class OutcomeSchedule(models.Model):
    """Which questionnaires a plan sends: a baseline before the procedure, then follow-ups."""

    name = models.CharField(max_length=120)
    instruments = models.ManyToManyField("care.Instrument", related_name="schedules")
    follow_up_days = models.JSONField(
        default=list, validators=[validate_follow_up_days], help_text="e.g. [42, 91, 182, 365]"
    )
    reminder_after_days = models.PositiveSmallIntegerField(
        default=7, help_text="One reminder if a questionnaire is still unanswered this long after."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PlanTemplate(models.Model):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    outcome_schedule = models.ForeignKey(
        OutcomeSchedule, on_delete=models.PROTECT, null=True, blank=True, related_name="templates"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PlanTemplateStep(models.Model):
    """One visit of a course, with its window after the previous step (none for the first)."""

    template = models.ForeignKey(PlanTemplate, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    consultation_type = models.ForeignKey(
        "booking.ConsultationType", on_delete=models.PROTECT, related_name="+"
    )
    earliest_days_after_previous = models.PositiveSmallIntegerField(default=0)
    latest_days_after_previous = models.PositiveSmallIntegerField(default=0)
    # The step the follow-up questionnaires count from (and whose consent is required).
    is_procedure = models.BooleanField(default=False)

    class Meta:
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="template_step_place"),
            models.CheckConstraint(
                condition=models.Q(
                    latest_days_after_previous__gte=models.F("earliest_days_after_previous")
                ),
                name="template_step_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.consultation_type}"


class CarePlan(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        ENDED = "ended", "Ended early"

    reference = models.CharField(
        max_length=32, unique=True, default=new_plan_reference, editable=False
    )
    link_version = models.PositiveIntegerField(default=0)
    patient = models.ForeignKey(
        "booking.Patient", on_delete=models.PROTECT, related_name="care_plans"
    )
    template = models.ForeignKey(PlanTemplate, on_delete=models.PROTECT, related_name="plans")
    # The treating clinician: they (and the manager) see the plan's answers and alerts.
    clinician = models.ForeignKey(
        "booking.Practitioner", on_delete=models.PROTECT, related_name="care_plans"
    )
    started_from = models.ForeignKey(
        "booking.Appointment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=500, blank=True)
    outcomes_opted_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["status", "template"])]

    def __str__(self) -> str:
        return f"{self.template} (plan {self.pk})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class CarePlanStep(models.Model):
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="steps")
    template_step = models.ForeignKey(PlanTemplateStep, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    appointment = models.OneToOneField(
        "booking.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="care_step",
    )

    class Meta:
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="plan_step_place"),
        ]

    def __str__(self) -> str:
        return f"Step {self.position} of plan {self.plan_id}"
