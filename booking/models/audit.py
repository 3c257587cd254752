"""The audit trail of staff and system actions on patient data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """Who exported or anonymised whose data, and when. Never holds health details."""

    class Action(models.TextChoices):
        PATIENT_EXPORTED = "patient_exported", "Patient data exported"
        PATIENT_ANONYMISED = "patient_anonymised", "Patient anonymised"
        INTAKE_EXPIRED = "intake_expired", "Intake anonymised after retention period"

    # Kept as plain values, not foreign keys: the trail must outlive the user and the patient.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, help_text="Username, or the system job.")
    action = models.CharField(max_length=30, choices=Action.choices)
    patient_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    summary = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("export_patient_data", "Can export everything held about a patient"),
            ("anonymise_patient", "Can anonymise a patient on request"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_label} at {self.created_at:%Y-%m-%d}"
