"""The message ledger (one row per subject, kind, moment and channel) and task heartbeats."""

from __future__ import annotations

from django.conf import settings
from django.db import models

# The things a message can be about, besides the patient: at most one is set on a row, and a row
# with none is about the patient as a whole. A new subject (a care-plan time point, a waitlist
# offer) adds its nullable foreign key here and its name to this tuple; the constraints follow.
SUBJECT_FIELDS = ("appointment", "waitlist_entry", "waitlist_offer")


def _at_most_one_subject() -> models.Q:
    none_set = models.Q(**{f"{name}__isnull": True for name in SUBJECT_FIELDS})
    either = none_set
    for name in SUBJECT_FIELDS:
        only_this = models.Q(**{f"{name}__isnull": False})
        for other in SUBJECT_FIELDS:
            if other != name:
                only_this &= models.Q(**{f"{other}__isnull": True})
        either |= only_this
    return either


class OutboundMessage(models.Model):
    """The message ledger: one row per (subject, kind, scheduled moment, channel), sent at most
    once. The subject says what the message is about; the patient, whom it concerns."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Booking confirmation"
        REQUEST_RECEIVED = "request_received", "Request received"
        RESCHEDULED = "rescheduled", "Reschedule confirmation"
        CANCELLED = "cancelled", "Cancellation"
        REMINDER = "reminder", "Reminder"
        QUESTIONNAIRE = "questionnaire", "Questionnaire invitation"
        MANAGE_LINK = "manage_link", "Manage link re-sent"
        STAFF_NEW = "staff_new", "Clinic: new booking"
        STAFF_CHANGED = "staff_changed", "Clinic: booking changed"
        STAFF_CANCELLED = "staff_cancelled", "Clinic: booking cancelled"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    appointment = models.ForeignKey(
        "booking.Appointment",
        on_delete=models.CASCADE,
        related_name="messages",
        null=True,
        blank=True,
    )
    # The waitlist's subjects: an entry (its confirmation email) and an offer.
    waitlist_entry = models.ForeignKey(
        "booking.WaitlistEntry",
        on_delete=models.CASCADE,
        related_name="messages",
        null=True,
        blank=True,
    )
    waitlist_offer = models.ForeignKey(
        "booking.WaitlistOffer",
        on_delete=models.CASCADE,
        related_name="messages",
        null=True,
        blank=True,
    )
    patient = models.ForeignKey(
        "booking.Patient", on_delete=models.CASCADE, related_name="messages"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    # Kinds of other apps (care plans, the waitlist) are registered with the ledger
    # (booking/messaging/kinds.py) and stored here too; `choices` lists booking's own.
    kind = models.CharField(max_length=30, choices=Kind.choices)
    scheduled_for = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A manual resend from the back office: who asked, so the audit trail shows it, and so a
    # resent reminder goes out even though its original moment has passed.
    resent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scheduled_for"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "kind", "scheduled_for", "channel"],
                condition=models.Q(appointment__isnull=False),
                name="message_once_per_appointment_moment",
            ),
            models.UniqueConstraint(
                fields=["waitlist_entry", "kind", "scheduled_for", "channel"],
                condition=models.Q(waitlist_entry__isnull=False),
                name="message_once_per_waitlist_entry_moment",
            ),
            models.UniqueConstraint(
                fields=["waitlist_offer", "kind", "scheduled_for", "channel"],
                condition=models.Q(waitlist_offer__isnull=False),
                name="message_once_per_waitlist_offer_moment",
            ),
            models.UniqueConstraint(
                fields=["patient", "kind", "scheduled_for", "channel"],
                condition=models.Q(**{f"{name}__isnull": True for name in SUBJECT_FIELDS}),
                name="message_once_per_patient_moment",
            ),
            models.CheckConstraint(
                condition=_at_most_one_subject(), name="message_has_at_most_one_subject"
            ),
        ]
        indexes = [models.Index(fields=["status", "scheduled_for"])]

    def __str__(self) -> str:
        if self.appointment_id:
            return f"{self.get_kind_display()} for appointment {self.appointment_id}"
        if self.waitlist_offer_id:
            return f"{self.get_kind_display()} for waitlist offer {self.waitlist_offer_id}"
        if self.waitlist_entry_id:
            return f"{self.get_kind_display()} for waitlist entry {self.waitlist_entry_id}"
        return f"{self.get_kind_display()} for patient {self.patient_id}"


class TaskHeartbeat(models.Model):
    """When a periodic task last ran, so /healthz can tell a stalled pipeline."""

    name = models.CharField(max_length=100, unique=True)
    last_run_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name
