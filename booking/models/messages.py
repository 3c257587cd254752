"""The message ledger (one row per subject, kind, moment and channel) and task heartbeats."""

from __future__ import annotations

from django.conf import settings
from django.db import models

# The things a message can be about, besides the patient: at most one is set on a row, and a row
# with none is about the patient as a whole. A new subject (a care-plan time point, a waitlist
# offer) adds its nullable foreign key here and its name to this tuple; the constraints follow.
SUBJECT_FIELDS = ("appointment", "time_point", "waitlist_entry", "waitlist_offer")


# The carrier errors a clinic meets most on texts (Twilio's 300xx), as staff should read them.
DELIVERY_ERRORS = {
    30003: "unreachable handset (off or out of coverage)",
    30004: "blocked by the recipient",
    30005: "unknown number or inactive phone",
    30006: "a landline, or a carrier that cannot take texts",
    30007: "filtered by the carrier as spam",
    30008: "unknown carrier error",
    30034: "sender not registered for US texting (A2P 10DLC)",
}


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

    class DeliveryStatus(models.TextChoices):
        """What the provider later reported about a message it accepted (texts: Twilio's
        status callback). Empty: no report expected (email, the file backend) or none yet."""

        UNKNOWN = "", "No report"
        QUEUED = "queued", "Queued at the provider"
        SENT = "sent", "Sent to the carrier"
        DELIVERED = "delivered", "Delivered"
        UNDELIVERED = "undelivered", "Not delivered"
        FAILED = "failed", "Failed at the provider"

    appointment = models.ForeignKey(
        "booking.Appointment",
        on_delete=models.CASCADE,
        related_name="messages",
        null=True,
        blank=True,
    )
    # A care plan's outcome time point (care's questionnaires); named by string, so booking
    # never imports care.
    time_point = models.ForeignKey(
        "care.TimePoint",
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
    # The provider's id for the accepted message (Twilio's MessageSid), which its delivery
    # reports name; and what the last of them said. `status` stays the ledger's own ("sent":
    # the provider took it, so it is never sent again); a text that did not arrive is SENT with
    # delivery_status UNDELIVERED or FAILED and the carrier's error code.
    provider_id = models.CharField(max_length=64, blank=True, default="")
    delivery_status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, blank=True, default=""
    )
    delivery_error_code = models.PositiveIntegerField(null=True, blank=True)
    delivery_updated_at = models.DateTimeField(null=True, blank=True)
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
                fields=["time_point", "kind", "scheduled_for", "channel"],
                condition=models.Q(time_point__isnull=False),
                name="message_once_per_time_point_moment",
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
        indexes = [
            models.Index(fields=["status", "scheduled_for"]),
            # The staff day view's warning of texts the carrier could not deliver (the values of
            # UNDELIVERED_STATUSES, below): a few rows, found without reading the window's others.
            models.Index(
                fields=["scheduled_for"],
                condition=models.Q(delivery_status__in=["undelivered", "failed"]),
                name="message_undelivered",
            ),
            # The reports' reminders of a period's visits, probed visit by visit from the
            # visits' side: the statuses they count are in the index (as keys: SQLite has no
            # INCLUDE), so the probe need not read the table (kind: Kind.REMINDER's value).
            models.Index(
                fields=["appointment", "status", "delivery_status"],
                condition=models.Q(kind="reminder"),
                name="message_reminder_of",
            ),
            # Not unique: a provider repeating an id must not make recording a sent text fail
            # (the row would be sent again when its lease ran out).
            models.Index(
                fields=["provider_id"],
                condition=~models.Q(provider_id=""),
                name="message_provider_id",
            ),
        ]

    def __str__(self) -> str:
        if self.appointment_id:
            return f"{self.get_kind_display()} for appointment {self.appointment_id}"
        if self.time_point_id:
            return f"{self.get_kind_display()} for care time point {self.time_point_id}"
        if self.waitlist_offer_id:
            return f"{self.get_kind_display()} for waitlist offer {self.waitlist_offer_id}"
        if self.waitlist_entry_id:
            return f"{self.get_kind_display()} for waitlist entry {self.waitlist_entry_id}"
        return f"{self.get_kind_display()} for patient {self.patient_id}"

    @property
    def not_delivered(self) -> bool:
        """The provider accepted it but reported that it never reached the recipient."""
        return self.delivery_status in UNDELIVERED_STATUSES

    def delivery_display(self) -> str:
        """'Delivered', 'Not delivered (30003: unreachable handset)', or '' with no report."""
        if not self.delivery_status:
            return ""
        label = self.get_delivery_status_display()
        if self.delivery_error_code is None:
            return label
        meaning = DELIVERY_ERRORS.get(self.delivery_error_code, "see the provider's error list")
        return f"{label} ({self.delivery_error_code}: {meaning})"


UNDELIVERED_STATUSES = (
    OutboundMessage.DeliveryStatus.UNDELIVERED,
    OutboundMessage.DeliveryStatus.FAILED,
)


class TaskHeartbeat(models.Model):
    """When a periodic task last ran, so /healthz can tell a stalled pipeline."""

    name = models.CharField(max_length=100, unique=True)
    last_run_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name
