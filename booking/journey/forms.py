"""Forms of the patient journey. They validate and clean; the views call the services."""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from booking.models import Intake, Joint, Practitioner
from booking.scheduling.inputs import (
    PATIENT_REACH,
    parse_date,
    parse_id,
    parse_instant,
    parse_month,
)

SUBMISSION_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
ANY = "any"
# Said by more than one page; lazy, so each says it in the language of the page.
FORM_EXPIRED = _("This form has expired. Please check your details and try again.")
TIME_NOT_BOOKABLE = _(
    "Sorry, that time can't be booked online: it may have just been taken, or it is outside "
    "our hours. Please choose another time."
)


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


def parse_slot_start(value: str) -> datetime | None:
    """An aware datetime from an ISO 8601 string with an offset, within a patient's reach of
    now (so nothing downstream overflows), or None. The booking window is checked later, by
    the same availability rules that offered the time."""
    return parse_instant(value, now=timezone.now(), reach=PATIENT_REACH)


def _practitioner_from(value: str, practitioners: dict[int, Practitioner]) -> Practitioner:
    pk = parse_id(value)
    if pk is None or pk not in practitioners:
        raise ValidationError(_("We don't know that practitioner."), code="unknown")
    return practitioners[pk]


def _crispy(*layout, **attrs) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.layout = Layout(*layout)
    for name, value in attrs.items():
        setattr(helper, name, value)
    return helper


class PickerForm(forms.Form):
    """The time picker's GET parameters; anything malformed is a 400, never a 500."""

    month = forms.CharField(required=False, max_length=7)
    date = forms.CharField(required=False, max_length=10)
    practitioner = forms.CharField(required=False, max_length=20)

    def __init__(self, *args, practitioners: list[Practitioner], **kwargs):
        super().__init__(*args, **kwargs)
        self.practitioners = {p.pk: p for p in practitioners}

    # A month or day far outside any booking window is a 400; one just outside it is moved
    # to the nearest bookable month by the picker.
    def clean_month(self) -> date | None:
        value = self.cleaned_data["month"]
        if not value:
            return None
        month = parse_month(value, today=timezone.localdate(), reach=PATIENT_REACH)
        if month is None:
            raise ValidationError(_("That month is not one we can book."), code="invalid")
        return month

    def clean_date(self) -> date | None:
        value = self.cleaned_data["date"]
        if not value:
            return None
        day = parse_date(value, today=timezone.localdate(), reach=PATIENT_REACH)
        if day is None:
            raise ValidationError(_("That day is not one we can book."), code="invalid")
        return day

    def clean_practitioner(self) -> Practitioner | None:
        value = self.cleaned_data["practitioner"]
        if value in ("", ANY):
            return None
        return _practitioner_from(value, self.practitioners)


class SlotForm(forms.Form):
    """The chosen time, as it travels between steps: a start instant and who (or "any")."""

    start = forms.CharField(widget=forms.HiddenInput, max_length=40)
    practitioner = forms.CharField(widget=forms.HiddenInput, max_length=20)

    def __init__(self, *args, practitioners: list[Practitioner], **kwargs):
        super().__init__(*args, **kwargs)
        self.practitioners = {p.pk: p for p in practitioners}

    def clean_start(self) -> datetime:
        parsed = parse_slot_start(self.cleaned_data["start"])
        if parsed is None:
            raise ValidationError(_("That appointment time is not valid."), code="invalid")
        return parsed

    def clean_practitioner(self) -> Practitioner | None:
        value = self.cleaned_data["practitioner"]
        if value == ANY:
            return None
        return _practitioner_from(value, self.practitioners)


class DetailsForm(forms.Form):
    """Step 3: who the visit is for, where it hurts, reminders and the privacy acknowledgement."""

    full_name = forms.CharField(
        label=_("Full name of the patient"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("We send the confirmation and your private link to manage the visit here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = PhoneNumberField(
        label=_("Phone"),
        max_length=40,
        help_text=_("So the clinic can reach you if something changes, e.g. (413) 555-0199."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%m/%d/%Y"],
    )
    joints = forms.MultipleChoiceField(
        label=_("Which joint or joints hurt?"),
        choices=Joint.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one, or \u201cOther or not sure\u201d.")},
    )
    note = forms.CharField(
        label=_("Anything you would like us to know (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A sentence or two is plenty. Up to 1000 characters."),
    )
    for_someone_else = forms.BooleanField(
        label=_("I am booking for someone else (for example as a carer)"), required=False
    )
    booker_name = forms.CharField(
        label=_("Your name (the person booking)"),
        required=False,
        max_length=200,
        help_text=_("Only if you are booking for someone else."),
    )
    reminders = forms.BooleanField(
        label=_("Send me email reminders before the visit"),
        required=False,
        initial=True,
        help_text=_("Untick this if you do not want reminders."),
    )
    # Opt-in, never pre-ticked; the wording is versioned (SMS_CONSENT_VERSION) and recorded.
    texts = forms.BooleanField(
        label=_("Text me reminders"),
        required=False,
        initial=False,
        help_text=_(
            "Optional. We text the phone number above before the visit, with the time and your "
            "private link, nothing about your health. Reply STOP to end them. Message and data "
            "rates may apply."
        ),
    )
    privacy = forms.BooleanField(
        label=_("I have read the privacy notice"),
        error_messages={"required": _("Please confirm you have read the privacy notice.")},
    )
    # A honeypot: hidden from people by CSS, filled in by form-filling bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submission_key", new_submission_key())
        super().__init__(*args, **kwargs)
        privacy_url = reverse("privacy")
        # The privacy page of the active language (reverse() gives /es/privacy/ in Spanish).
        self.fields["privacy"].help_text = format_html(
            gettext(
                'Read the <a href="{url}" target="_blank" rel="noopener">privacy notice'
                " (opens in a new tab)</a>."
            ),
            url=privacy_url,
        )
        self.helper = _crispy(
            Fieldset(
                _("About the patient"),
                "full_name",
                "email",
                "phone",
                "date_of_birth",
            ),
            Fieldset(_("Where it hurts"), "joints", "note"),
            Fieldset(_("Who is booking"), "for_someone_else", "booker_name"),
            Fieldset(_("Reminders and privacy"), "reminders", "texts", "privacy"),
            Div(Field("website"), css_class="hp-field", aria_hidden="true"),
            "submission_key",
        )

    def clean_submission_key(self) -> str:
        value = self.cleaned_data["submission_key"]
        if not SUBMISSION_KEY_RE.match(value):
            raise ValidationError(FORM_EXPIRED)
        return value

    def clean_joints(self) -> list[str]:
        return list(dict.fromkeys(self.cleaned_data["joints"]))

    def clean_date_of_birth(self) -> date | None:
        value = self.cleaned_data["date_of_birth"]
        if value is None:
            return None
        today = timezone.localdate()
        if value > today:
            raise ValidationError(_("The date of birth can't be in the future."))
        if value.year < 1900:
            raise ValidationError(_("Please check the year of birth."))
        return value

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("for_someone_else") and not (cleaned.get("booker_name") or "").strip():
            self.add_error("booker_name", _("Please tell us your name, as the person booking."))
        if not cleaned.get("for_someone_else"):
            cleaned["booker_name"] = ""
        return cleaned


class QuestionnaireForm(forms.Form):
    """The pre-visit questionnaire; every answer optional, pain a whole number from 0 to 10."""

    pain_score = forms.IntegerField(
        label=_(
            "How bad is the pain on a typical day, from 0 (none) to 10 (the worst imaginable)?"
        ),
        required=False,
        min_value=0,
        max_value=10,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1"}),
        error_messages={
            "invalid": _("Enter a whole number from 0 to 10."),
            "min_value": _("Enter a whole number from 0 to 10."),
            "max_value": _("Enter a whole number from 0 to 10."),
        },
    )
    pain_duration = forms.ChoiceField(
        label=_("How long have you had this pain?"),
        required=False,
        choices=[("", _("Choose…")), *Intake.PainDuration.choices],
    )
    aggravating_factors = forms.CharField(
        label=_("What makes it worse?"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    previous_treatments = forms.CharField(
        label=_("Treatments and injections you have had for it"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    current_medications = forms.CharField(
        label=_("Medications you take now"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    imaging = forms.CharField(
        label=_("Imaging you have had (X-ray, MRI, ultrasound), and roughly when"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _crispy(*self.fields)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("It helps us, but you don't have to say."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _crispy("reason")


class LostLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("The email address you booked with"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _crispy("email")
