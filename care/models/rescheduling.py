"""Plans that need rescheduling: a moved visit left a later step outside its window, or that
step's window has passed or holds no free time with the plan's clinician. Staff are told on
the front desk until someone marks it handled.

Not health data (which visits, when, and the window; never an answer): reception sees them."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RescheduleAlert(models.Model):
    class Reason(models.TextChoices):
        OUT_OF_WINDOW = "out_of_window", "Booked outside its window"
        WINDOW_PASSED = "window_passed", "Its window has passed"
        NO_FREE_TIME = "no_free_time", "No free time left in its window"

    plan = models.ForeignKey(
        "care.CarePlan", on_delete=models.CASCADE, related_name="reschedule_alerts"
    )
    step = models.ForeignKey(
        "care.CarePlanStep", on_delete=models.CASCADE, related_name="reschedule_alerts"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    # What staff read: the step, its visit (if booked), its window and the move that broke it.
    detail = models.CharField(max_length=300)
    # The visit whose move broke the window (its ledger notice to the clinician is about it).
    moved_appointment = models.ForeignKey(
        "booking.Appointment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One open alert per step: a second move updates it rather than adding another.
            models.UniqueConstraint(
                fields=["step"],
                condition=models.Q(handled_at__isnull=True),
                name="reschedule_alert_open_once_per_step",
            )
        ]
        indexes = [models.Index(fields=["handled_at", "created_at"])]
        verbose_name = "plan to reschedule"
        verbose_name_plural = "plans to reschedule"

    def __str__(self) -> str:
        return f"Plan {self.plan_id}, step {self.step.position}: {self.get_reason_display()}"
