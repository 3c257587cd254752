"""The waitlist forms: what suits the patient (and, to join without a booking, who they are)."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from phonenumber_field.formfields import PhoneNumberField

from booking.models import ConsultationType, DayPart, Practitioner, WaitlistEntry
from booking.waitlist.entries import Wishes
from booking.waitlist.rules import bits_to_day_parts, bits_to_weekdays

ANY = "any"
# A waitlist further ahead than this is a booking, not a wait.
MAX_DAYS_AHEAD = 366
# A context of their own: "Monday" alone is Django's msgid, which dates use in running text
# ("martes, 1 de diciembre"), while a checkbox label may be capitalised ("Martes").
WEEKDAY_CHOICES = [
    (str(day), label)
    for day, label in enumerate(
        [
            pgettext_lazy("weekday choice", "Monday"),
            pgettext_lazy("weekday choice", "Tuesday"),
            pgettext_lazy("weekday choice", "Wednesday"),
            pgettext_lazy("weekday choice", "Thursday"),
            pgettext_lazy("weekday choice", "Friday"),
            pgettext_lazy("weekday choice", "Saturday"),
            pgettext_lazy("weekday choice", "Sunday"),
        ]
    )
]


class WishesForm(forms.Form):
    practitioner = forms.ChoiceField(label=_("Practitioner"))
    earliest_date = forms.DateField(
        label=_("Earliest date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    latest_date = forms.DateField(
        label=_("Latest date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    weekdays = forms.MultipleChoiceField(
        label=_("Days that work for you"),
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    day_parts = forms.MultipleChoiceField(
        label=_("Parts of the day that work for you"),
        choices=[(str(value), label) for value, label in DayPart.choices],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, consultation_type: ConsultationType, **kwargs):
        super().__init__(*args, **kwargs)
        self.consultation_type = consultation_type
        self.practitioners = {
            p.pk: p
            for p in Practitioner.objects.filter(
                active=True, consultation_types=consultation_type
            ).order_by("display_name")
        }
        self.fields["practitioner"].choices = [(ANY, _("Anyone"))] + [
            (str(pk), str(p)) for pk, p in self.practitioners.items()
        ]
        today = timezone.localdate()
        self.fields["earliest_date"].initial = today
        self.fields["latest_date"].initial = today + timedelta(days=30)
        self.fields["weekdays"].initial = [str(d) for d in range(5)]
        self.fields["day_parts"].initial = [str(v) for v in DayPart.values]

    def clean(self):
        data = super().clean()
        earliest, latest = data.get("earliest_date"), data.get("latest_date")
        today = timezone.localdate()
        if isinstance(earliest, date) and isinstance(latest, date):
            if latest < earliest:
                self.add_error(
                    "latest_date", _("The latest date must be on or after the earliest.")
                )
            if latest < today:
                self.add_error("latest_date", _("Choose a date from today on."))
            if latest > today + timedelta(days=MAX_DAYS_AHEAD):
                self.add_error("latest_date", _("Choose a date within a year."))
            if earliest > today + timedelta(days=MAX_DAYS_AHEAD):
                self.add_error("earliest_date", _("Choose a date within a year."))
        return data

    def wishes(self) -> Wishes:
        data = self.cleaned_data
        choice = data["practitioner"]
        return Wishes(
            consultation_type=self.consultation_type,
            practitioner=None if choice == ANY else self.practitioners[int(choice)],
            earliest_date=max(data["earliest_date"], timezone.localdate()),
            latest_date=data["latest_date"],
            weekdays=[int(d) for d in data["weekdays"]],
            day_parts=[int(p) for p in data["day_parts"]],
        )

    @classmethod
    def initial_from(cls, entry: WaitlistEntry) -> dict:
        return {
            "practitioner": str(entry.practitioner_id) if entry.practitioner_id else ANY,
            "earliest_date": entry.earliest_date,
            "latest_date": entry.latest_date,
            "weekdays": [str(d) for d in bits_to_weekdays(entry.weekdays)],
            "day_parts": [str(p) for p in bits_to_day_parts(entry.day_parts)],
        }


class JoinForm(WishesForm):
    full_name = forms.CharField(label=_("Your full name"), max_length=200)
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("We email you a link to confirm your place on the list."),
    )
    phone = PhoneNumberField(label=_("Phone (optional)"), required=False, max_length=40)
    field_order = ["full_name", "email", "phone"]

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        return name
