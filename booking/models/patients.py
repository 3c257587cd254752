"""The patient (a person; contact details may be shared) and the visit's intake, kept apart from
scheduling.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from booking.models.clinic import Joint


def validate_joints(value) -> None:
    """A list of Joint values, each once: anything else is not a joint a clinician can read."""
    if not isinstance(value, list) or any(v not in Joint.values for v in value):
        raise ValidationError(
            _("Choose joints from the list: %(allowed)s."),
            params={"allowed": ", ".join(Joint.values)},
            code="invalid_joint",
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("Each joint once."), code="duplicate_joint")


class Patient(models.Model):
    full_name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = PhoneNumberField(blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)
    # Texts stop for good when the patient (or their carrier) says so: a STOP reply, or Twilio's
    # 21610 "unsubscribed recipient"; a new opt-in at booking clears it.
    sms_opted_out_at = models.DateTimeField(null=True, blank=True)
    sms_opt_out_reason = models.CharField(max_length=200, blank=True)
    # The language of the pages they booked or last chose on a private link: every message to
    # them (emails, texts, calendar files) is written in it.
    language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["full_name"]
        # No unique email: a family shares an address, a carer books for several people.
        indexes = [models.Index(Lower("email"), name="patient_email_ci")]

    def __str__(self) -> str:
        return self.full_name


class PatientDuplicateFlag(models.Model):
    """A new patient record that may be an existing person: staff check it and merge (the flag
    goes with the merged record) or dismiss it."""

    class Reason(models.TextChoices):
        NAME_AND_BIRTH_DATE = "name_dob", "Same name and date of birth"
        PHONE_AND_BIRTH_DATE = "phone_dob", "Same phone and date of birth"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="duplicate_flags")
    other = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "other"], name="duplicate_flag_unique_pair")
        ]

    def __str__(self) -> str:
        return f"Possible duplicate of patient {self.other_id}"


class Intake(models.Model):
    """A visit's health details, apart from scheduling: only clinicians and the manager see them."""

    class PainDuration(models.TextChoices):
        DAYS = "days", _("Less than a week")
        WEEKS = "weeks", _("A few weeks")
        MONTHS = "months", _("A few months")
        YEAR = "year", _("About a year")
        YEARS = "years", _("More than a year")

    appointment = models.OneToOneField(
        "booking.Appointment", on_delete=models.CASCADE, related_name="intake"
    )
    joints = models.JSONField(default=list, blank=True, validators=[validate_joints])
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
        # Shown as the heading of the answers on the appointment page: no ids, no details.
        return "Answers given at booking and in the questionnaire"
