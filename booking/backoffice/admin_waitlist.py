"""The waitlist in the back office: every entry per type and practitioner, callers added by
phone, urgency (clinicians and the manager, with a reason), holds and offers to read, and the
figures per type. Writes go through booking/waitlist/entries.py.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from phonenumber_field.formfields import PhoneNumberField

from booking.backoffice.admin_base import sees_all_schedules, sees_health_details
from booking.models import Appointment, WaitlistEntry, WaitlistHold, WaitlistOffer
from booking.patients.identity import ContactDetails
from booking.scheduling.errors import BookingError
from booking.waitlist.entries import (
    URGENT_PERMISSION,
    Wishes,
    waitlist_entry_change,
    waitlist_entry_create,
    waitlist_entry_mark_urgent,
)
from booking.waitlist.figures import REBOOKING_DEFINITION, waitlist_figures
from booking.waitlist.rules import bits_to_day_parts, bits_to_weekdays

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]
PARTS = [(1, "Morning"), (2, "Afternoon"), (4, "Evening")]


class EntryForm(forms.ModelForm):
    full_name = forms.CharField(max_length=200, required=False, label="Caller's full name")
    email = forms.EmailField(required=False, max_length=254)
    phone = PhoneNumberField(required=False, max_length=40)
    weekday_list = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple, label="Days"
    )
    part_list = forms.TypedMultipleChoiceField(
        choices=PARTS, coerce=int, widget=forms.CheckboxSelectMultiple, label="Parts of the day"
    )

    class Meta:
        model = WaitlistEntry
        fields = [
            "consultation_type",
            "practitioner",
            "earliest_date",
            "latest_date",
            "urgent",
            "urgent_reason",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("full_name", "email", "phone"):
                del self.fields[name]
            self.fields["consultation_type"].disabled = True
            self.initial["weekday_list"] = bits_to_weekdays(self.instance.weekdays)
            self.initial["part_list"] = bits_to_day_parts(self.instance.day_parts)
        else:
            self.fields["full_name"].required = True
            self.initial.setdefault("weekday_list", [0, 1, 2, 3, 4])
            self.initial.setdefault("part_list", [1, 2, 4])

    def clean(self):
        data = super().clean()
        if not self.instance.pk and not (data.get("email") or data.get("phone")):
            raise forms.ValidationError("Give an email or a phone to reach the caller.")
        if data.get("urgent") and not (data.get("urgent_reason") or "").strip():
            self.add_error("urgent_reason", "Give the reason this entry is urgent.")
        return data

    def wishes(self) -> Wishes:
        data = self.cleaned_data
        return Wishes(
            consultation_type=data["consultation_type"],
            practitioner=data.get("practitioner"),
            earliest_date=data["earliest_date"],
            latest_date=data["latest_date"],
            weekdays=data["weekday_list"],
            day_parts=data["part_list"],
        )


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    form = EntryForm
    list_display = [
        "pk",
        "patient",
        "consultation_type",
        "practitioner_or_anyone",
        "status",
        "urgent",
        "earliest_date",
        "latest_date",
        "confirmed_at",
        "expires_at",
        "source",
    ]
    list_filter = ["consultation_type", "practitioner", "status", "urgent", "source"]
    list_select_related = ["patient", "consultation_type", "practitioner"]
    search_fields = ["patient__full_name", "patient__email"]
    ordering = ["consultation_type__name", "practitioner__display_name", "-urgent", "confirmed_at"]
    change_list_template = "admin/booking/waitlistentry/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        """A clinician's own entries (docs/waitlist.md): the entry names them, or the patient has
        a visit with them (the patient list's rule). An "anyone" entry of a patient they have
        never seen is reception's and the manager's to read; its urgency, the manager's."""
        qs = super().get_queryset(request)
        if sees_all_schedules(request):
            return qs
        return qs.filter(
            Q(practitioner__user=request.user)
            | Exists(
                Appointment.objects.filter(
                    patient=OuterRef("patient"), practitioner__user=request.user
                )
            )
        )

    @admin.display(description="Practitioner")
    def practitioner_or_anyone(self, obj: WaitlistEntry) -> str:
        return str(obj.practitioner) if obj.practitioner_id else "Anyone"

    def get_fields(self, request, obj=None):
        fields = [
            "consultation_type",
            "practitioner",
            "earliest_date",
            "latest_date",
            "weekday_list",
            "part_list",
        ]
        if obj is None:
            fields = ["full_name", "email", "phone", *fields]
        if request.user.has_perm(URGENT_PERMISSION):
            fields += ["urgent", "urgent_reason"]
        return fields + list(self.get_readonly_fields(request, obj))

    def get_readonly_fields(self, request, obj=None):
        # The reason for urgency is clinical: only who may judge it reads it.
        if obj is None:
            return []
        readonly = ["status", "source", "urgent_at"]
        if request.user.has_perm(URGENT_PERMISSION):
            readonly.append("urgent_by")
        elif sees_health_details(request):
            readonly.append("urgent_reason")
        return readonly

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # an entry is left or expires; the figures keep it

    def save_model(self, request, obj, form, change):
        try:
            if change:
                entry = waitlist_entry_change(entry=obj, wishes=form.wishes())
            else:
                data = form.cleaned_data
                entry = waitlist_entry_create(
                    wishes=form.wishes(),
                    contact=ContactDetails(
                        full_name=data["full_name"],
                        email=data.get("email") or "",
                        phone=str(data.get("phone") or ""),
                    ),
                    acting_user=request.user,
                )
            if "urgent" in form.cleaned_data and (
                form.cleaned_data["urgent"] != entry.urgent
                or form.cleaned_data.get("urgent_reason", "") != entry.urgent_reason
            ):
                entry = waitlist_entry_mark_urgent(
                    entry=entry,
                    urgent=form.cleaned_data["urgent"],
                    reason=form.cleaned_data.get("urgent_reason", ""),
                    acting_user=request.user,
                )
        except BookingError as exc:
            messages.error(request, exc.message)
            raise PermissionDenied(exc.message) from exc
        obj.pk = entry.pk
        obj.refresh_from_db()

    def get_urls(self):
        extra = [
            path(
                "figures/",
                self.admin_site.admin_view(self.figures_view),
                name="booking_waitlistentry_figures",
            )
        ]
        return extra + super().get_urls()

    def figures_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return TemplateResponse(
            request,
            "admin/booking/waitlistentry/figures.html",
            {
                **self.admin_site.each_context(request),
                "title": "Waitlist figures per consultation type",
                "rows": waitlist_figures(),
                "rebooking_definition": REBOOKING_DEFINITION,
                "opts": self.model._meta,
            },
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WaitlistHold)
class WaitlistHoldAdmin(ReadOnlyAdmin):
    list_display = ["pk", "consultation_type", "practitioner", "start", "status", "batches_sent"]
    list_filter = ["status", "consultation_type", "practitioner"]
    list_select_related = ["consultation_type", "practitioner"]


@admin.register(WaitlistOffer)
class WaitlistOfferAdmin(ReadOnlyAdmin):
    list_display = ["pk", "hold", "entry", "batch", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["hold", "entry"]
