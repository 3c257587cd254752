"""What can be booked and when: consultation types, practitioners, weekly hours, time off,
closures.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from booking.models.clinic import SPANISH_HELP


class ConsultationTypeQuerySet(models.QuerySet):
    def active(self) -> ConsultationTypeQuerySet:
        return self.filter(active=True)

    def public(self) -> ConsultationTypeQuerySet:
        """What anyone may book on the website: active and not reserved to care plans."""
        return self.filter(active=True, plan_only=False)


class ConsultationType(models.Model):
    # Patients read these labels (the booking pages): lazy, in the page's language.
    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        VIDEO = "video", _("Video")

    name = models.CharField(max_length=120)
    name_es = models.CharField("name (Spanish)", max_length=120, blank=True, help_text=SPANISH_HELP)
    slug = models.SlugField(unique=True)
    description = models.TextField()
    description_es = models.TextField("description (Spanish)", blank=True, help_text=SPANISH_HELP)
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
    plan_only = models.BooleanField(
        "bookable only through a plan",
        default=False,
        help_text="Hidden from public booking (e.g. a procedure, which needs a consultation "
        "first). Staff can still book it, and a patient inside a started care plan's window.",
    )
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
    bio_es = models.TextField("bio (Spanish)", blank=True, help_text=SPANISH_HELP)
    photo = models.ImageField(upload_to="practitioners/", blank=True)
    photo_alt = models.CharField(max_length=200, blank=True)
    photo_alt_es = models.CharField(
        "photo alt text (Spanish)", max_length=200, blank=True, help_text=SPANISH_HELP
    )
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
        start, end = date_format(start, "DATETIME_FORMAT"), date_format(end, "DATETIME_FORMAT")
        return f"{self.practitioner}: {start} to {end}"


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
