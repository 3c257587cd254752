"""The appointment: one visit of one patient with one practitioner, and its status."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from booking.models.patients import Patient
from booking.models.schedule import ConsultationType, Practitioner


def new_reference() -> str:
    # Opaque, unguessable, carries nothing about the patient; the manage link is an HMAC over it.
    return secrets.token_hex(16)


# A short reference a patient can read out over the phone: no 0/O, 1/I/L, U or S/5 confusion.
SHORT_REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRTVWXYZ2346789"
SHORT_REFERENCE_LENGTH = 8


def new_short_reference() -> str:
    # 28**8 (3.8e11) values: random, so it says nothing of the order or the number of bookings.
    return "".join(secrets.choice(SHORT_REFERENCE_ALPHABET) for _ in range(SHORT_REFERENCE_LENGTH))


def normalise_short_reference(raw: str) -> str:
    """What staff type, as stored: upper case, spaces and dashes dropped."""
    return "".join(ch for ch in raw.upper() if ch not in " -")


class PrivacyAcknowledgement(models.TextChoices):
    ONLINE = "online", "Ticked on the online booking form"
    READ_OUT = "read_out", "Read out to the caller by staff"


class Appointment(models.Model):
    # Patients read these labels (their appointment's page): lazy, in the page's language.
    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("appointment status", "Requested")
        CONFIRMED = "confirmed", pgettext_lazy("appointment status", "Confirmed")
        ARRIVED = "arrived", pgettext_lazy("appointment status", "Arrived")
        COMPLETED = "completed", pgettext_lazy("appointment status", "Completed")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", pgettext_lazy("appointment status", "Cancelled")

    class Source(models.TextChoices):
        ONLINE = "online", "Online"
        PHONE = "phone", "Phone"
        ADMIN = "admin", "Admin"

    reference = models.CharField(max_length=32, unique=True, default=new_reference, editable=False)
    # Read over the phone and shown on the confirmation; never a key to the manage pages.
    short_reference = models.CharField(
        max_length=SHORT_REFERENCE_LENGTH, unique=True, default=new_short_reference, editable=False
    )
    consultation_type = models.ForeignKey(
        ConsultationType, on_delete=models.PROTECT, related_name="appointments"
    )
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="appointments"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    start = models.DateTimeField()
    end = models.DateTimeField()
    # The time the practitioner is busy: the visit plus the type's buffers. The database's
    # overlap guard works on these two columns.
    occupied_start = models.DateTimeField(editable=False)
    occupied_end = models.DateTimeField(editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONFIRMED)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.ONLINE)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # As typed for this booking: an existing patient's stored details are never overwritten.
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField()
    contact_phone = PhoneNumberField(blank=True)
    booked_for_someone_else = models.BooleanField(default=False)
    booker_name = models.CharField(max_length=200, blank=True)
    reminders_enabled = models.BooleanField(default=True)
    # Text reminders are opt-in, per booking (to this booking's contact_phone): when the box was
    # ticked, which consent wording it showed, and by phone which staff member took verbal
    # consent. None = no texts.
    sms_opt_in_at = models.DateTimeField(null=True, blank=True)
    sms_consent_version = models.CharField(max_length=20, blank=True)
    sms_consent_taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The patient confirmed they will come (a "C" reply to a text reminder).
    patient_confirmed_at = models.DateTimeField(null=True, blank=True)
    privacy_notice_version = models.CharField(max_length=20, blank=True)
    privacy_acknowledged_at = models.DateTimeField(null=True, blank=True)
    privacy_acknowledged_how = models.CharField(
        max_length=20, choices=PrivacyAcknowledgement.choices, blank=True
    )
    # Who read the notice out to a caller (a phone booking); empty for an online booking.
    privacy_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    cancellation_reason = models.CharField(max_length=500, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Raised on every change, so calendar clients replace the event (iCalendar SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)
    # Raised to revoke every manage link sent so far.
    manage_token_version = models.PositiveIntegerField(default=0)
    # Optimistic-concurrency guard: services update "WHERE version = <read>".
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["occupied_start", "occupied_end"])

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["practitioner", "occupied_start"]),
            # Availability's busy time: visits ending after a window starts. A range scan of the
            # time booked ahead, flat however many years of visits lie behind it.
            models.Index(fields=["practitioner", "occupied_end"], name="appointment_busy_until"),
            models.Index(fields=["start"]),
            models.Index(fields=["status", "start"]),
            # A patient's visits in time order: the patient record, and the reports' "no
            # earlier visit" probe when the period is short (a nested-loop anti-join).
            models.Index(fields=["patient", "start"]),
            # The reports' "no earlier visit" probe (a visit that was not cancelled): answered
            # from the index alone, without reading each visit's row for its status.
            models.Index(
                fields=["patient", "start"],
                condition=~models.Q(status="cancelled"),
                name="appointment_patient_live",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="appointment_end_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(occupied_start__lte=models.F("start"))
                & models.Q(occupied_end__gte=models.F("end")),
                name="appointment_occupied_covers_visit",
            ),
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.start)  # the clinic's wall clock, not UTC
        when = date_format(start, "DATETIME_FORMAT")
        return f"{self.consultation_type} with {self.practitioner} at {when}"

    OPEN_STATUSES = (Status.REQUESTED, Status.CONFIRMED)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES
