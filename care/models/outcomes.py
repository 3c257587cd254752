"""Outcome time points (the ledger's subject for questionnaires), answers and safety alerts.

Answers are health data: only the plan's clinician and the manager see them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class TimePoint(models.Model):
    """When a plan's questionnaires are due: the baseline (0 days, before the procedure) or a
    follow-up N days after the procedure."""

    plan = models.ForeignKey("care.CarePlan", on_delete=models.CASCADE, related_name="time_points")
    days_after_procedure = models.PositiveSmallIntegerField()  # 0: the baseline
    due_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "days_after_procedure"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "days_after_procedure"], name="time_point_once_per_plan"
            )
        ]
        indexes = [models.Index(fields=["due_at"])]

    def __str__(self) -> str:
        return f"Time point {self.days_after_procedure} d of plan {self.plan_id}"

    @property
    def is_baseline(self) -> bool:
        return self.days_after_procedure == 0


class Response(models.Model):
    """One instrument answered at one time point; never changed once given."""

    time_point = models.ForeignKey(TimePoint, on_delete=models.CASCADE, related_name="responses")
    instrument = models.ForeignKey("care.Instrument", on_delete=models.PROTECT, related_name="+")
    # {"<item position>": value}
    answers = models.JSONField(default=dict)
    score = models.DecimalField(max_digits=7, decimal_places=2)
    submitted_at = models.DateTimeField()
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["time_point", "instrument"]
        constraints = [
            models.UniqueConstraint(
                fields=["time_point", "instrument"], name="response_once_per_instrument"
            )
        ]
        permissions = [("view_outcomes", "Can see patients' outcome answers")]

    def __str__(self) -> str:
        return f"Answer to {self.instrument} at {self.time_point}"


class SafetyAlert(models.Model):
    """A score clearly worse than baseline after the procedure: the treating clinician is told."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="alert")
    plan = models.ForeignKey("care.CarePlan", on_delete=models.CASCADE, related_name="alerts")
    created_at = models.DateTimeField()
    seen_at = models.DateTimeField(null=True, blank=True)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Worse than baseline (plan {self.plan_id})"
