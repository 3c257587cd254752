"""The waitlist: patients' entries, holds on freed time, and the offers made from a hold.

A hold is not an appointment: it keeps freed time out of public booking (the availability
loader reads it in the same busy-time query as appointments and time off) while the waitlist
offers it, batch by batch. `held_until` bounds it even if no worker ever runs again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from booking.models.appointments import Appointment, new_reference
from booking.models.patients import Patient
from booking.models.schedule import ConsultationType, Practitioner

ALL_WEEKDAYS = 0b1111111


class DayPart(models.IntegerChoices):
    # Bits of WaitlistEntry.day_parts; the bounds are the time picker's (journey/picker.py).
    MORNING = 1, _("Morning (before noon)")
    AFTERNOON = 2, _("Afternoon (noon to 5 PM)")
    EVENING = 4, _("Evening (after 5 PM)")


ALL_DAY_PARTS = DayPart.MORNING | DayPart.AFTERNOON | DayPart.EVENING


class WaitlistEntry(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the patient to confirm")
        ACTIVE = "active", _("Active")
        BOOKED = "booked", _("Booked from an offer")
        LEFT = "left", _("Left the list")
        EXPIRED = "expired", _("Expired")

    class Source(models.TextChoices):
        ONLINE = "online", "Online"
        PHONE = "phone", "Phone (added by staff)"

    reference = models.CharField(max_length=32, unique=True, default=new_reference, editable=False)
    # Raising it revokes every private link sent for this entry.
    link_version = models.PositiveIntegerField(default=1)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="waitlist_entries")
    consultation_type = models.ForeignKey(
        ConsultationType, on_delete=models.PROTECT, related_name="waitlist_entries"
    )
    # None: any practitioner who offers the type.
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="waitlist_entries",
    )
    earliest_date = models.DateField()
    latest_date = models.DateField()
    # The language the patient joined in: offers and reminders are written in it.
    language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # Bit n set: weekday n (Monday 0) suits; day_parts: DayPart bits.
    weekdays = models.PositiveSmallIntegerField(default=ALL_WEEKDAYS)
    day_parts = models.PositiveSmallIntegerField(default=ALL_DAY_PARTS)
    # A patient already booked who wants something earlier: taking an offer moves this visit.
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waitlist_entries",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ONLINE)
    urgent = models.BooleanField(default=False)
    urgent_reason = models.CharField(max_length=300, blank=True)
    urgent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    urgent_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Waiting time counts from here ("longest waiting first").
    confirmed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "waitlist entry"
        verbose_name_plural = "waitlist entries"
        ordering = ["-urgent", "confirmed_at", "pk"]
        indexes = [
            models.Index(
                fields=["consultation_type", "status", "earliest_date"], name="waitlist_match"
            )
        ]

    def __str__(self) -> str:
        return f"Waitlist entry {self.pk} ({self.get_status_display()})"


class WaitlistHold(models.Model):
    """Freed time kept for the waitlist while it is offered."""

    class Status(models.TextChoices):
        OFFERING = "offering", "Being offered"
        TAKEN = "taken", "Taken from an offer"
        RELEASED = "released", "Released to public booking"

    consultation_type = models.ForeignKey(
        ConsultationType, on_delete=models.CASCADE, related_name="+"
    )
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="waitlist_holds"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    # The practitioner's busy time (the visit plus the type's buffers), as for appointments.
    occupied_start = models.DateTimeField()
    occupied_end = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERING)
    # The hold blocks public booking only while status is offering AND before this moment.
    held_until = models.DateTimeField()
    batches_sent = models.PositiveSmallIntegerField(default=0)
    window_ends_at = models.DateTimeField(null=True, blank=True)
    freed_at = models.DateTimeField()
    freed_appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "waitlist hold"
        indexes = [
            models.Index(
                fields=["practitioner", "status", "occupied_start"], name="waitlist_hold_busy"
            )
        ]

    def __str__(self) -> str:
        return f"Hold {self.pk} ({self.get_status_display()})"


class WaitlistOffer(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        TAKEN = "taken", "Taken"
        MISSED = "missed", "Taken by someone else"
        LAPSED = "lapsed", "Window passed"

    hold = models.ForeignKey(WaitlistHold, on_delete=models.CASCADE, related_name="offers")
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    batch = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "waitlist offer"
        constraints = [
            models.UniqueConstraint(fields=["hold", "entry"], name="waitlist_offer_once_per_hold")
        ]

    def __str__(self) -> str:
        return f"Offer {self.pk} ({self.get_status_display()})"
