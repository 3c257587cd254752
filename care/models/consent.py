"""Procedure consent: versioned texts per consultation type, and signatures that never change.

A withdrawal is a new record, not an edit; staff see and print them on the appointment page.
"""

from __future__ import annotations

from django.db import models


class ConsentText(models.Model):
    consultation_type = models.ForeignKey(
        "booking.ConsultationType", on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    title_es = models.CharField("title (Spanish)", max_length=200, blank=True)
    body = models.TextField(help_text="Plain text; blank lines separate paragraphs.")
    # Part of the same version: written before it is published, then never edited (a patient
    # reading Spanish signs these words). Empty: the English text, with a note.
    body_es = models.TextField(
        "body (Spanish)",
        blank=True,
        help_text="Empty: patients reading Spanish see the English text, with a note that it is "
        "not translated yet. A published version is never edited: write both before publishing.",
    )
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["consultation_type", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation_type", "version"], name="consent_text_version_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class ConsentRecord(models.Model):
    class Action(models.TextChoices):
        SIGNED = "signed", "Signed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    plan = models.ForeignKey("care.CarePlan", on_delete=models.CASCADE, related_name="consents")
    text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="records")
    action = models.CharField(max_length=10, choices=Action.choices)
    signed_name = models.CharField(max_length=200)
    # Empty when the patient signed; otherwise who signed for them and how they are related.
    signer_relationship = models.CharField(max_length=100, blank=True)
    date_of_birth_confirmed = models.BooleanField(default=False)
    # The words the patient read: the version's English or its Spanish. A Spanish reader shown
    # the English text (no translation yet) signed the English words, and this says so.
    language = models.CharField(
        max_length=8, choices=[("en", "English"), ("es", "Spanish")], default="en"
    )
    recorded_at = models.DateTimeField()
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "recorded_at", "pk"]
        permissions = [("view_consents", "Can see patients' consents")]

    def __str__(self) -> str:
        return f"Consent {self.get_action_display().lower()} (plan {self.plan_id})"
