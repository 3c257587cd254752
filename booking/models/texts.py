"""Texts patients send us (replies to reminders), kept for staff to read."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from phonenumber_field.modelfields import PhoneNumberField


class InboundText(models.Model):
    """One text received on the clinic's number: keywords (STOP, START, HELP, C) are acted on at
    once; anything else waits in "Replies to read" until a staff member marks it read."""

    class Keyword(models.TextChoices):
        STOP = "stop", "Stop (opt-out)"
        START = "start", "Start (opt back in)"
        HELP = "help", "Help"
        CONFIRM = "confirm", "Confirm attendance"
        OTHER = "other", "Reply to read"

    # Twilio's MessageSid: Twilio retries a webhook that timed out, so each text is kept once.
    provider_sid = models.CharField(max_length=64, unique=True)
    from_number = PhoneNumberField()
    body = models.TextField(blank=True)
    keyword = models.CharField(max_length=10, choices=Keyword.choices)
    received_at = models.DateTimeField()
    patient = models.ForeignKey(
        "booking.Patient",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_texts",
    )
    appointment = models.ForeignKey(
        "booking.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_texts",
    )
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["read_at", "received_at"])]

    def __str__(self) -> str:
        return f"Text from {self.from_number} at {self.received_at:%Y-%m-%d %H:%M}"
