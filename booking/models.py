"""Scheduling data: the clinic profile, what can be booked, by whom, and the email ledger.

Writes go through booking/services.py; nothing here holds business logic beyond derived values.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords


class Joint(models.TextChoices):
    """Where it hurts: used by the booking form's intake and to match education articles."""

    KNEE = "knee", "Knee"
    HIP = "hip", "Hip"
    SHOULDER = "shoulder", "Shoulder"
    ANKLE_FOOT = "ankle_foot", "Ankle or foot"
    HAND_WRIST = "hand_wrist", "Hand or wrist"
    ELBOW = "elbow", "Elbow"
    BACK_NECK = "back_neck", "Back or neck"
    OTHER = "other", "Other or not sure"


def validate_reminder_offsets(value: str) -> None:
    try:
        hours = [float(part) for part in value.split(",") if part.strip()]
    except ValueError as exc:
        raise ValidationError(
            "Enter hours before the visit, separated by commas, e.g. 48, 2."
        ) from exc
    if any(h <= 0 or h > 24 * 30 for h in hours):
        raise ValidationError("Each reminder must be between 0 and 720 hours before the visit.")


class ClinicProfile(models.Model):
    """The clinic's identity and booking rules: one row (pk=1) the manager edits in the admin."""

    name = models.CharField(max_length=120)
    tagline = models.CharField(max_length=200, blank=True)
    address = models.TextField(help_text="Street address, one line per row.")
    phone = models.CharField(max_length=40)
    email = models.EmailField(help_text="Shown to patients.")
    notifications_email = models.EmailField(
        blank=True, help_text="Clinic inbox told of every new, changed or cancelled booking."
    )
    opening_hours = models.TextField(help_text="Shown in the site footer, one line per row.")
    what_to_bring = models.TextField(blank=True)
    privacy_notice = models.TextField(blank=True)
    privacy_notice_version = models.CharField(max_length=20, default="2026-11")

    # Booking rules (clinic-wide defaults; consultation types may override).
    min_notice_minutes = models.PositiveIntegerField(
        default=24 * 60, help_text="How long before a visit online booking closes."
    )
    horizon_days = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    slot_granularity_minutes = models.PositiveIntegerField(
        default=15, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    cancellation_cutoff_hours = models.PositiveIntegerField(
        default=24,
        help_text="Patients can cancel or reschedule online until this many hours before.",
    )
    max_open_appointments_per_patient = models.PositiveIntegerField(default=3)

    # Reminders.
    reminder_offsets = models.CharField(
        max_length=100,
        default="48,2",
        validators=[validate_reminder_offsets],
        help_text="Hours before the visit, comma-separated.",
    )
    reminder_max_lateness_minutes = models.PositiveIntegerField(
        default=60,
        help_text="A reminder found late (after an outage) is still sent if no later than this.",
    )
    intake_retention_days = models.PositiveIntegerField(
        default=7 * 365, help_text="Intake answers are anonymised this long after the visit."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "clinic profile"
        verbose_name_plural = "clinic profile"

    def __str__(self) -> str:
        return self.name

    @property
    def reminder_offset_deltas(self) -> list[timedelta]:
        hours = {float(part) for part in self.reminder_offsets.split(",") if part.strip()}
        return [timedelta(hours=h) for h in sorted(hours, reverse=True)]


class ConsultationTypeQuerySet(models.QuerySet):
    def active(self) -> ConsultationTypeQuerySet:
        return self.filter(active=True)


class ConsultationType(models.Model):
    class Mode(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        VIDEO = "video", "Video"

    name = models.CharField(max_length=120)
    slug = models.SlugField(unique=True)
    description = models.TextField()
    duration_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    buffer_before_minutes = models.PositiveIntegerField(default=0)
    buffer_after_minutes = models.PositiveIntegerField(default=0)
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.IN_PERSON)
    price = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    requires_approval = models.BooleanField(
        default=False, help_text="Online requests wait for staff to confirm them."
    )
    active = models.BooleanField(default=True)
    display_order = models.PositiveIntegerField(default=0)
    # Overrides of the clinic-wide booking rules; empty means "use the clinic's".
    min_notice_minutes = models.PositiveIntegerField(null=True, blank=True)
    horizon_days = models.PositiveIntegerField(null=True, blank=True)
    slot_granularity_minutes = models.PositiveIntegerField(null=True, blank=True)
    cancellation_cutoff_hours = models.PositiveIntegerField(null=True, blank=True)

    objects = ConsultationTypeQuerySet.as_manager()

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def is_video(self) -> bool:
        return self.mode == self.Mode.VIDEO


class Practitioner(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practitioner",
    )
    display_name = models.CharField(max_length=120)
    credentials = models.CharField(max_length=120, blank=True, help_text="e.g. MD, DO, PA-C")
    bio = models.TextField(blank=True)
    photo = models.ImageField(upload_to="practitioners/", blank=True)
    photo_alt = models.CharField(max_length=200, blank=True)
    consultation_types = models.ManyToManyField(ConsultationType, related_name="practitioners")
    video_room_url = models.URLField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return f"{self.display_name}, {self.credentials}" if self.credentials else self.display_name


class WorkingHours(models.Model):
    """One interval of a practitioner's weekly hours; several a day make breaks."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["practitioner", "weekday", "start_time"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="working_hours_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class TimeOff(models.Model):
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="time_off"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="time_off_end_after_start"
            )
        ]

    def __str__(self) -> str:
        start, end = timezone.localtime(self.start), timezone.localtime(self.end)
        return f"{self.practitioner}: {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}"


class ClinicClosure(models.Model):
    """Whole days the clinic is closed (holidays), first and last day inclusive."""

    name = models.CharField(max_length=120)
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="closure_end_not_before_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start_date} to {self.end_date})"


class Patient(models.Model):
    full_name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = PhoneNumberField(blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="patient_email_unique_ci",
            )
        ]

    def __str__(self) -> str:
        return self.full_name


def new_reference() -> str:
    # Opaque, unguessable, carries nothing about the patient; the manage link is an HMAC over it.
    return secrets.token_hex(16)


class Appointment(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        CONFIRMED = "confirmed", "Confirmed"
        ARRIVED = "arrived", "Arrived"
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "No-show"
        CANCELLED = "cancelled", "Cancelled"

    class Source(models.TextChoices):
        ONLINE = "online", "Online"
        PHONE = "phone", "Phone"
        ADMIN = "admin", "Admin"

    reference = models.CharField(max_length=32, unique=True, default=new_reference, editable=False)
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
    privacy_notice_version = models.CharField(max_length=20, blank=True)
    privacy_acknowledged_at = models.DateTimeField(null=True, blank=True)
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
            models.Index(fields=["start"]),
            models.Index(fields=["status", "start"]),
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
        return f"{self.consultation_type} with {self.practitioner} at {start:%Y-%m-%d %H:%M}"

    OPEN_STATUSES = (Status.REQUESTED, Status.CONFIRMED)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Intake(models.Model):
    """A visit's health details, apart from scheduling: only clinicians and the manager see them."""

    class PainDuration(models.TextChoices):
        DAYS = "days", "Less than a week"
        WEEKS = "weeks", "A few weeks"
        MONTHS = "months", "A few months"
        YEAR = "year", "About a year"
        YEARS = "years", "More than a year"

    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="intake")
    joints = models.JSONField(default=list, blank=True, help_text="Joint values (see Joint).")
    note = models.TextField(blank=True, max_length=1000)
    pain_score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    pain_duration = models.CharField(max_length=20, choices=PainDuration.choices, blank=True)
    aggravating_factors = models.TextField(blank=True, max_length=1000)
    previous_treatments = models.TextField(blank=True, max_length=2000)
    current_medications = models.TextField(blank=True, max_length=2000)
    imaging = models.TextField(blank=True, max_length=1000)
    questionnaire_completed_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        permissions = [("view_health_details", "Can see patients' health details")]

    def __str__(self) -> str:
        return f"Intake for appointment {self.appointment_id}"


class OutboundMessage(models.Model):
    """The email ledger: one row per (appointment, kind, scheduled moment), sent at most once."""

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

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="messages")
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
                fields=["appointment", "kind", "scheduled_for"], name="message_once_per_moment"
            )
        ]
        indexes = [models.Index(fields=["status", "scheduled_for"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for appointment {self.appointment_id}"


class TaskHeartbeat(models.Model):
    """When a periodic task last ran, so /healthz can tell a stalled pipeline."""

    name = models.CharField(max_length=100, unique=True)
    last_run_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


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
