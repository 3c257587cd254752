"""The clinic's own profile (identity, booking rules, reminder offsets) and the joints patients
name.
"""

from __future__ import annotations

from datetime import time, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The help text of every `<field>_es` (booking/models/localized.py).
SPANISH_HELP = (
    "Empty: Spanish pages show the English text, with a note that it is not translated yet."
)


class Joint(models.TextChoices):
    """Where it hurts: used by the booking form's intake and to match education articles."""

    KNEE = "knee", _("Knee")
    HIP = "hip", _("Hip")
    SHOULDER = "shoulder", _("Shoulder")
    ANKLE_FOOT = "ankle_foot", _("Ankle or foot")
    HAND_WRIST = "hand_wrist", _("Hand or wrist")
    ELBOW = "elbow", _("Elbow")
    BACK_NECK = "back_neck", _("Back or neck")
    OTHER = "other", _("Other or not sure")


def validate_reminder_offsets(value: str) -> None:
    try:
        hours = [float(part) for part in value.split(",") if part.strip()]
    except ValueError as exc:
        raise ValidationError(
            "Enter hours before the visit, separated by commas, e.g. 48, 2."
        ) from exc
    if any(h <= 0 or h > 24 * 30 for h in hours):
        raise ValidationError("Each reminder must be between 0 and 720 hours before the visit.")


class ClinicProfileQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        # Every process keeps a copy of the profile while `updated_at` is unchanged
        # (booking/profile.py): an update that skipped it would leave them stale.
        kwargs.setdefault("updated_at", timezone.now())
        return super().update(**kwargs)


class ClinicProfile(models.Model):
    """The clinic's identity and booking rules: one row (pk=1) the manager edits in the admin."""

    name = models.CharField(max_length=120)
    tagline = models.CharField(max_length=200, blank=True)
    tagline_es = models.CharField(
        "tagline (Spanish)", max_length=200, blank=True, help_text=SPANISH_HELP
    )
    address = models.TextField(help_text="Street address, one line per row.")
    phone = models.CharField(max_length=40)
    email = models.EmailField(help_text="Shown to patients.")
    notifications_email = models.EmailField(
        blank=True, help_text="Clinic inbox told of every new, changed or cancelled booking."
    )
    opening_hours = models.TextField(help_text="Shown in the site footer, one line per row.")
    opening_hours_es = models.TextField(
        "opening hours (Spanish)", blank=True, help_text=SPANISH_HELP
    )
    what_to_bring = models.TextField(blank=True)
    what_to_bring_es = models.TextField(
        "what to bring (Spanish)", blank=True, help_text=SPANISH_HELP
    )
    privacy_notice = models.TextField(blank=True)
    privacy_notice_es = models.TextField(
        "privacy notice (Spanish)", blank=True, help_text=SPANISH_HELP
    )
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
    # Texts must fit one SMS segment (160 GSM-7 characters) with the time and the short link:
    # the name they start with is kept short (tests/booking/messaging/test_sms.py measures).
    text_name = models.CharField(
        max_length=24,
        blank=True,
        help_text="The clinic's name in text messages, 24 characters at most (empty: the name).",
    )
    # Texts: no text goes out between these, clinic local time (a reminder due then goes at
    # their end if the visit is still far enough away; otherwise it is skipped and recorded).
    text_quiet_start = models.TimeField(
        default=time(21, 0), help_text="Quiet hours for texts start (clinic local time)."
    )
    text_quiet_end = models.TimeField(
        default=time(8, 0),
        help_text="Quiet hours end (the next morning). The same time in both: no quiet hours.",
    )
    intake_retention_days = models.PositiveIntegerField(
        default=7 * 365, help_text="Intake answers are anonymised this long after the visit."
    )
    # A clinic rule the manager tunes (like the retention above), not a deployment setting.
    private_link_days = models.PositiveIntegerField(
        default=30,
        help_text="Patients' private links stop working this many days after the visit.",
    )
    # The waitlist's rules (booking/waitlist/).
    waitlist_entry_days = models.PositiveIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text="A waitlist entry lapses this many days after it is made.",
    )
    waitlist_entries_per_patient = models.PositiveIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    waitlist_batch_size = models.PositiveIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="How many patients are offered a freed time at once.",
    )
    waitlist_window_minutes = models.PositiveIntegerField(
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text="How long each batch has to take the time before the next batch is offered.",
    )
    waitlist_max_batches = models.PositiveIntegerField(
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="After this many batches the time returns to public booking.",
    )
    waitlist_offers_per_day = models.PositiveIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="The most waitlist offers one patient receives in a day.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClinicProfileQuerySet.as_manager()

    class Meta:
        verbose_name = "clinic profile"
        verbose_name_plural = "clinic profile"

    def __str__(self) -> str:
        return self.name

    def save(self, **kwargs) -> None:
        # auto_now moves `updated_at` only when it is saved: a save of some fields must save it
        # too, or the processes' copies of the profile (booking/profile.py) would not notice.
        if kwargs.get("update_fields"):
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        super().save(**kwargs)

    def clean(self) -> None:
        super().clean()
        text_name_length = self._meta.get_field("text_name").max_length
        if not self.text_name and len(self.name) > text_name_length:
            raise ValidationError(
                {
                    "text_name": f"The name is over {text_name_length} characters: give texts "
                    "a shorter one (a text must fit 160 characters)."
                }
            )

    @property
    def reminder_offset_deltas(self) -> list[timedelta]:
        hours = {float(part) for part in self.reminder_offsets.split(",") if part.strip()}
        return [timedelta(hours=h) for h in sorted(hours, reverse=True)]
