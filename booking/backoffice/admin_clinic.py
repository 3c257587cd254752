"""The clinic's set-up in the admin: profile, consultation types, practitioners with their weekly
hours, time off and closures (each of which offers to move the visits it disrupts).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from booking.backoffice.admin_base import as_local, local_datetime, sees_all_schedules
from booking.models import (
    Appointment,
    ClinicClosure,
    ClinicProfile,
    ConsultationType,
    Practitioner,
    TimeOff,
    WorkingHours,
)
from booking.profile import clinic_profile_get
from booking.scheduling.disruptions import (
    appointments_disrupted_by_closure,
    appointments_disrupted_by_time_off,
    appointments_outside_hours,
)
from booking.scheduling.freed import time_freed_announced


@admin.register(ClinicProfile)
class ClinicProfileAdmin(admin.ModelAdmin):
    """One row (pk=1): no add, no delete; the list goes straight to it."""

    fieldsets = [
        (
            "Identity",
            {
                # Each Spanish text on the row of its English one (booking/models/localized.py).
                "fields": [
                    "name",
                    ("tagline", "tagline_es"),
                    "address",
                    "phone",
                    "email",
                    ("opening_hours", "opening_hours_es"),
                ]
            },
        ),
        ("Notifications", {"fields": ["notifications_email"]}),
        (
            "Booking rules",
            {
                "fields": [
                    "min_notice_minutes",
                    "horizon_days",
                    "slot_granularity_minutes",
                    "cancellation_cutoff_hours",
                    "max_open_appointments_per_patient",
                ]
            },
        ),
        (
            "Reminders",
            {
                "fields": [
                    "reminder_offsets",
                    "reminder_max_lateness_minutes",
                    "text_name",
                    "text_quiet_start",
                    "text_quiet_end",
                ]
            },
        ),
        (
            "Waitlist",
            {
                "fields": [
                    "waitlist_entry_days",
                    "waitlist_entries_per_patient",
                    "waitlist_batch_size",
                    "waitlist_window_minutes",
                    "waitlist_max_batches",
                    "waitlist_offers_per_day",
                ]
            },
        ),
        (
            "Privacy",
            {
                "fields": [
                    ("privacy_notice", "privacy_notice_es"),
                    "privacy_notice_version",
                    "intake_retention_days",
                    "private_link_days",
                    ("what_to_bring", "what_to_bring_es"),
                ]
            },
        ),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)  # Django's own refusal
        profile = clinic_profile_get()
        return HttpResponseRedirect(
            reverse("admin:booking_clinicprofile_change", args=[profile.pk])
        )


@admin.register(ConsultationType)
class ConsultationTypeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "duration_minutes",
        "mode",
        "requires_approval",
        "active",
        "display_order",
    ]
    list_editable = ["display_order"]
    list_filter = ["active", "mode", "requires_approval"]
    search_fields = ["name", "name_es"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("name", "name_es"),
                    "slug",
                    ("description", "description_es"),
                    "mode",
                    "price",
                    "active",
                ]
            },
        ),
        (
            "Timing",
            {"fields": ["duration_minutes", "buffer_before_minutes", "buffer_after_minutes"]},
        ),
        (
            "Booking rules (empty: the clinic's)",
            {
                "fields": [
                    "requires_approval",
                    "min_notice_minutes",
                    "horizon_days",
                    "slot_granularity_minutes",
                    "cancellation_cutoff_hours",
                    "display_order",
                ]
            },
        ),
    ]


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0
    fields = ["weekday", "start_time", "end_time", "valid_from", "valid_until"]


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["display_name", "credentials", "user", "active"]
    list_filter = ["active", "consultation_types"]
    list_select_related = ["user"]
    search_fields = ["display_name"]
    filter_horizontal = ["consultation_types"]
    autocomplete_fields = ["user"]
    inlines = [WorkingHoursInline]

    def save_related(self, request, form, formsets, change) -> None:
        # Hours added (or types offered) free bookable time: the waitlist is offered it.
        if change:
            with time_freed_announced(practitioner_ids=[form.instance.pk]):
                super().save_related(request, form, formsets, change)
        else:
            super().save_related(request, form, formsets, change)
        orphans = appointments_outside_hours(practitioner=form.instance)
        if orphans:
            # Never silently: every visit the new hours no longer cover is listed, with a link.
            messages.warning(
                request,
                format_html(
                    "{} booked appointment(s) now fall outside {}'s working hours and need "
                    "moving: {}",
                    len(orphans),
                    form.instance.display_name,
                    _move_links(orphans),
                ),
            )


def _move_links(appointments: list[Appointment]) -> str:
    """Comma-separated links to each visit's move page."""
    return format_html_join(
        ", ",
        '<a href="{}">{} {}</a>',
        (
            (
                reverse("admin:booking_appointment_move", args=[a.pk]),
                local_datetime(a.start),
                a.patient,
            )
            for a in appointments
        ),
    )


class DisruptionRedirectMixin:
    """Time off and closures: a save may disrupt visits; a removal (or a shorter period) frees
    bookable time, announced for the waitlist (scheduling/freed.py)."""

    disruption_param = ""

    def _freeing(self, stored, new):
        """The context announcing what changing `stored` to `new` (None: removing it) frees."""
        raise NotImplementedError

    def _stored(self, obj):
        return type(obj).objects.filter(pk=obj.pk).first() if obj.pk else None

    def save_model(self, request, obj, form, change):
        stored = self._stored(obj) if change else None
        if stored is None:
            return super().save_model(request, obj, form, change)
        with self._freeing(stored, obj):
            return super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        with self._freeing(obj, None):
            return super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def _disrupted(self, obj) -> list[Appointment]:
        raise NotImplementedError

    def _after_save(self, request: HttpRequest, obj, response: HttpResponse) -> HttpResponse:
        if "_popup" in request.POST or not self._disrupted(obj):
            return response
        if not request.user.has_perm("booking.change_appointment"):
            messages.warning(
                request, "Booked appointments fall in this period: ask reception to move them."
            )
            return response
        messages.warning(
            request, "Booked appointments fall in this period: move or cancel them below."
        )
        url = reverse("admin:booking_appointment_disruption")
        return HttpResponseRedirect(f"{url}?{urlencode({self.disruption_param: obj.pk})}")

    def response_add(self, request, obj, post_url_continue=None):
        return self._after_save(request, obj, super().response_add(request, obj, post_url_continue))

    def response_change(self, request, obj):
        return self._after_save(request, obj, super().response_change(request, obj))


@admin.register(TimeOff)
class TimeOffAdmin(DisruptionRedirectMixin, admin.ModelAdmin):
    disruption_param = "time_off"
    list_display = ["practitioner", "start", "end", "reason"]
    list_filter = ["practitioner"]
    list_select_related = ["practitioner"]
    date_hierarchy = "start"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        return qs if sees_all_schedules(request) else qs.filter(practitioner__user=request.user)

    def _disrupted(self, obj: TimeOff) -> list[Appointment]:
        return appointments_disrupted_by_time_off(time_off=obj)

    def _freeing(self, stored: TimeOff, new: TimeOff | None):
        ids = {stored.practitioner_id} | ({new.practitioner_id} if new else set())
        return time_freed_announced(
            practitioner_ids=ids,
            first_day=as_local(stored.start).date(),
            last_day=as_local(stored.end).date(),
        )


@admin.register(ClinicClosure)
class ClinicClosureAdmin(DisruptionRedirectMixin, admin.ModelAdmin):
    disruption_param = "closure"
    list_display = ["name", "start_date", "end_date"]
    date_hierarchy = "start_date"

    def _disrupted(self, obj: ClinicClosure) -> list[Appointment]:
        return appointments_disrupted_by_closure(closure=obj)

    def _freeing(self, stored: ClinicClosure, new: ClinicClosure | None):
        return time_freed_announced(
            practitioner_ids=None, first_day=stored.start_date, last_day=stored.end_date
        )
