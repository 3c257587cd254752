"""Forms of the staff back office: book on behalf of a patient, move a visit, bulk cancel.

The free times offered come from `scheduling.selectors.available_slots` with the patient-facing
notice and horizon switched off; the services check them again when the form is submitted.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from phonenumber_field.formfields import PhoneNumberField

from booking.models import Appointment, ConsultationType, Joint, Practitioner
from booking.scheduling.clock import clinic_zone
from booking.scheduling.inputs import STAFF_REACH, parse_instant, within
from booking.scheduling.selectors import available_slots
from booking.scheduling.slots import local_instant, merge_any_practitioner
from booking.waitlist.holds import holds_active_between


class DateInput(forms.DateInput):
    input_type = "date"


HELD_LABEL = " - held for the waitlist: being offered to waiting patients"


def free_time_choices(
    *,
    consultation_type: ConsultationType,
    day: date,
    practitioner: Practitioner | None,
    exclude_appointment_id: int | None = None,
) -> list[tuple[str, str]]:
    """(ISO start, label) for each free start on the day, staff rules (no notice, no horizon).

    Staff may book inside a waitlist hold; such times are labelled, as a warning that the time
    is being offered to waiting patients right now."""
    slots = available_slots(
        consultation_type=consultation_type,
        first_day=day,
        last_day=day,
        practitioner_id=practitioner.pk if practitioner else None,
        enforce_notice_and_horizon=False,
        exclude_appointment_id=exclude_appointment_id,
        include_holds=False,
    ).get(day, [])
    names = dict(Practitioner.objects.values_list("pk", "display_name"))
    held = (
        holds_active_between(start=slots[0].start - timedelta(hours=12), end=slots[-1].end)
        if slots
        else []
    )

    def is_held(start, end, pids) -> bool:
        return any(pid in pids and s < end and e > start for pid, s, e in held)

    return [
        (
            start.isoformat(),
            f"{start:%H:%M}-{end:%H:%M}"
            + ("" if practitioner else f" ({', '.join(names.get(p, '?') for p in pids)})")
            + (HELD_LABEL if is_held(start, end, pids) else ""),
        )
        for start, end, pids in merge_any_practitioner(slots)
    ]


class FindTimeForm(forms.Form):
    """Step one (GET): what, with whom, which day."""

    consultation_type = forms.ModelChoiceField(
        queryset=ConsultationType.objects.active(), label="Consultation type"
    )
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.filter(active=True),
        required=False,
        empty_label="Any practitioner",
    )
    day = forms.DateField(widget=DateInput, label="Date")

    def clean_day(self) -> date:
        return _future_day(self.cleaned_data["day"])

    def clean(self) -> dict:
        data = super().clean()
        ctype, practitioner = data.get("consultation_type"), data.get("practitioner")
        if (
            ctype
            and practitioner
            and not practitioner.consultation_types.filter(pk=ctype.pk).exists()
        ):
            self.add_error(
                "practitioner", f"{practitioner.display_name} does not offer {ctype.name}."
            )
        return data


def _future_day(day: date) -> date:
    """Today or later, and within STAFF_REACH: the slot engine adds days and offsets to it."""
    today = timezone.localdate()
    if day < today:
        raise forms.ValidationError("Choose today or a later date.")
    if not within(day, today=today, reach=STAFF_REACH):
        raise forms.ValidationError("Choose a date within the next ten years.")
    return day


def _parse_start(value: str) -> datetime:
    start = parse_instant(value, now=timezone.now(), reach=STAFF_REACH)
    if start is None:
        raise forms.ValidationError("Choose one of the free times.")
    return start.astimezone(clinic_zone())


class StaffBookingForm(FindTimeForm):
    """Step two (POST): the time and who the patient is."""

    start = forms.ChoiceField(label="Time", widget=forms.RadioSelect)
    full_name = forms.CharField(max_length=200, label="Patient's full name")
    email = forms.EmailField(
        label="Patient's email", help_text="The confirmation and reminders go here."
    )
    phone = PhoneNumberField(required=False, label="Patient's phone")
    date_of_birth = forms.DateField(required=False, widget=DateInput)
    language = forms.ChoiceField(
        choices=[("", "As on their record (English for a new patient)"), *settings.LANGUAGES],
        required=False,
        label="Language for emails and texts",
        help_text="Every message to the patient (confirmation, reminders, questionnaires) is "
        "written in it.",
    )
    reminders_enabled = forms.BooleanField(
        required=False, initial=True, label="Send reminders before the visit"
    )
    texts = forms.BooleanField(
        required=False,
        initial=False,
        label="Text reminders: the patient agreed (verbally) to reminder texts",
        help_text="Read them the wording: reminder texts with the time and a private link, "
        "nothing about their health; reply STOP to end them. You are recorded as the witness.",
    )
    # The same intake as the online form (journey/forms.py DetailsForm), asked on the phone.
    joints = forms.MultipleChoiceField(
        label="Which joint or joints hurt?",
        choices=Joint.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one, or \u201cOther or not sure\u201d."},
    )
    pain_score = forms.IntegerField(
        label="Pain today, 0 to 10", required=False, min_value=0, max_value=10
    )
    note = forms.CharField(
        label="Anything the patient would like us to know",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    privacy_read_out = forms.BooleanField(
        label="I read the privacy notice out to the caller",
        help_text="Recorded with your name and the time.",
        error_messages={"required": "Read the privacy notice to the caller before booking."},
    )

    def __init__(self, *args, start_choices: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start"].choices = start_choices or []

    def clean_start(self) -> datetime:
        return _parse_start(self.cleaned_data["start"])

    def clean_joints(self) -> list[str]:
        return list(dict.fromkeys(self.cleaned_data["joints"]))

    def clean_date_of_birth(self) -> date | None:
        dob = self.cleaned_data.get("date_of_birth")
        if dob and dob > timezone.localdate():
            raise forms.ValidationError("The date of birth cannot be in the future.")
        return dob

    def clean(self):
        data = super().clean()
        if data.get("texts") and not data.get("phone"):
            self.add_error("phone", "Text reminders need the patient's mobile number.")
        return data


class MoveForm(forms.Form):
    """Move one visit: another day, time or practitioner (the same consultation type)."""

    practitioner = forms.ModelChoiceField(queryset=Practitioner.objects.none())
    day = forms.DateField(widget=DateInput, label="Date")
    start = forms.ChoiceField(label="New time", widget=forms.RadioSelect, required=False)

    def __init__(
        self,
        *args,
        appointment: Appointment,
        start_choices: list[tuple[str, str]] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.appointment = appointment
        self.fields["practitioner"].queryset = Practitioner.objects.filter(
            active=True, consultation_types=appointment.consultation_type_id
        )
        self.fields["start"].choices = start_choices or []

    def clean_day(self) -> date:
        return _future_day(self.cleaned_data["day"])

    def clean_start(self) -> datetime | None:
        value = self.cleaned_data.get("start")
        return _parse_start(value) if value else None


class PanelMoveForm(forms.Form):
    """Move a visit from the schedule's side panel: practitioner, date and time as typed (the
    reschedule service decides whether the time is free; the panel explains a refusal)."""

    practitioner = forms.ModelChoiceField(queryset=Practitioner.objects.none(), empty_label=None)
    day = forms.DateField(widget=DateInput, label="Date")
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def __init__(self, *args, appointment: Appointment, **kwargs):
        local = appointment.start.astimezone(clinic_zone())
        kwargs.setdefault("auto_id", "panel-move-%s")
        kwargs.setdefault(
            "initial",
            {
                "practitioner": appointment.practitioner_id,
                "day": local.date(),
                "time": local.time(),
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = Practitioner.objects.filter(
            active=True, consultation_types=appointment.consultation_type_id
        ).order_by("display_name")

    def clean_day(self) -> date:
        return _future_day(self.cleaned_data["day"])

    def clean(self) -> dict:
        data = super().clean()
        if data.get("day") and data.get("time"):
            # A time the clocks skip (spring forward) lands an hour later, as in the slot engine.
            data["start"] = local_instant(data["day"], data["time"], clinic_zone())
        return data


class ClinicCancelForm(forms.Form):
    """Cancel the chosen affected visits; every patient gets one cancellation email."""

    appointments = forms.ModelMultipleChoiceField(
        queryset=Appointment.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(
        max_length=500,
        initial="The clinic had to cancel this visit. Please call us to find a new time.",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Goes into the appointment's record.",
    )

    def __init__(self, *args, affected: list[Appointment], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appointments"].queryset = Appointment.objects.filter(
            pk__in=[a.pk for a in affected]
        )
        self.fields["appointments"].label_from_instance = lambda a: (
            f"{a.start.astimezone(clinic_zone()):%a %d %b %H:%M} {a.patient}"
        )


class CancelConfirmForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        initial="Cancelled by the clinic",
        help_text="Kept in the appointment's record.",
    )


class PatientMergeForm(forms.Form):
    keep = forms.ModelChoiceField(
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        label="Keep this record; the others' visits move to it and they are deleted",
    )

    def __init__(self, *args, patients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].queryset = patients
