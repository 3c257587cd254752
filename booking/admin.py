"""The staff back office in the Django admin.

Scheduling fields are read-only everywhere: every change of time, practitioner or status goes
through booking.services (actions, the booking and move pages), so the same rules, history and
notifications apply as on the website. Who sees what is set by the groups in booking.roles;
a user without `booking.view_all_schedules` (a clinician) sees only their own appointments and
patients, and only `booking.view_health_details` shows the intake.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from simple_history.admin import SimpleHistoryAdmin

from booking import admin_views, emails, privacy, selectors, services
from booking.admin_forms import CancelConfirmForm, PatientMergeForm
from booking.availability import clinic_zone, day_bounds
from booking.models import (
    Appointment,
    AuditEvent,
    ClinicClosure,
    ClinicProfile,
    ConsultationType,
    Intake,
    OutboundMessage,
    Patient,
    Practitioner,
    TimeOff,
    WorkingHours,
)

Status = Appointment.Status


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """The change history to read, never to revert: a revert would .save() an old version of the
    row, past the booking services (their checks, notifications and audit reason)."""

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


def sees_all_schedules(request: HttpRequest) -> bool:
    return request.user.has_perm("booking.view_all_schedules")


def sees_health_details(request: HttpRequest) -> bool:
    return request.user.has_perm("booking.view_health_details")


def _local(dt):
    return timezone.localtime(dt, clinic_zone())


# --- Clinic profile, consultation types, practitioners -----------------------------------------


@admin.register(ClinicProfile)
class ClinicProfileAdmin(admin.ModelAdmin):
    """One row (pk=1): no add, no delete; the list goes straight to it."""

    fieldsets = [
        (
            "Identity",
            {"fields": ["name", "tagline", "address", "phone", "email", "opening_hours"]},
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
        ("Reminders", {"fields": ["reminder_offsets", "reminder_max_lateness_minutes"]}),
        (
            "Privacy",
            {
                "fields": [
                    "privacy_notice",
                    "privacy_notice_version",
                    "intake_retention_days",
                    "what_to_bring",
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
        profile = selectors.clinic_profile_get()
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
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "mode", "price", "active"]}),
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
        super().save_related(request, form, formsets, change)
        orphans = selectors.appointments_outside_hours(practitioner=form.instance)
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
                f"{_local(a.start):%a %d %b %H:%M}",
                a.patient,
            )
            for a in appointments
        ),
    )


# --- Time off and closures: saving one over booked visits leads to the disruption page --------


class DisruptionRedirectMixin:
    disruption_param = ""

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
        return selectors.appointments_disrupted_by_time_off(time_off=obj)


@admin.register(ClinicClosure)
class ClinicClosureAdmin(DisruptionRedirectMixin, admin.ModelAdmin):
    disruption_param = "closure"
    list_display = ["name", "start_date", "end_date"]
    date_hierarchy = "start_date"

    def _disrupted(self, obj: ClinicClosure) -> list[Appointment]:
        return selectors.appointments_disrupted_by_closure(closure=obj)


# --- Patients ---------------------------------------------------------------------------------


class VisitInline(admin.TabularInline):
    model = Appointment
    verbose_name = "visit"
    verbose_name_plural = "visits"
    fields = ["visit", "consultation_type", "practitioner", "status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["-start"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request).select_related("consultation_type", "practitioner")
        return qs if sees_all_schedules(request) else qs.filter(practitioner__user=request.user)

    @admin.display(description="When")
    def visit(self, obj: Appointment) -> str:
        return f"{_local(obj.start):%Y-%m-%d %H:%M}"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Patient)
class PatientAdmin(ReadOnlyHistoryAdmin):
    list_display = ["full_name", "email", "phone", "date_of_birth", "visit_count", "no_shows"]
    search_fields = ["full_name", "email", "phone"]
    readonly_fields = ["created_at", "anonymised_at"]
    fields = ["full_name", "email", "phone", "date_of_birth", "created_at", "anonymised_at"]
    inlines = [VisitInline]
    actions = ["merge_patients"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = (
            super()
            .get_queryset(request)
            .annotate(
                visits=Count("appointments", filter=~Q(appointments__status=Status.CANCELLED)),
                no_show_count=Count("appointments", filter=Q(appointments__status=Status.NO_SHOW)),
            )
        )
        if sees_all_schedules(request):
            return qs
        return qs.filter(
            Exists(
                Appointment.objects.filter(patient=OuterRef("pk"), practitioner__user=request.user)
            )
        )

    def get_urls(self):
        def wrap(view):
            def wrapper(request, *args, **kwargs):
                return view(request, self, *args, **kwargs)

            return self.admin_site.admin_view(wrapper)

        custom = [
            path(
                "<path:object_id>/export/",
                wrap(admin_views.patient_export),
                name="booking_patient_export",
            ),
            path(
                "<path:object_id>/anonymise/",
                wrap(admin_views.patient_anonymise),
                name="booking_patient_anonymise",
            ),
        ]
        return custom + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_export": request.user.has_perm(privacy.EXPORT_PERMISSION),
            "can_anonymise": request.user.has_perm(privacy.ANONYMISE_PERMISSION),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="Visits", ordering="visits")
    def visit_count(self, obj: Patient) -> int:
        return obj.visits

    @admin.display(description="No-shows", ordering="no_show_count")
    def no_shows(self, obj: Patient) -> int:
        return obj.no_show_count

    def has_merge_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("booking.merge_patients")

    def has_delete_permission(self, request, obj=None) -> bool:
        # Patients hold the clinic's records: duplicates are merged, never deleted by hand.
        return False

    @admin.action(description="Merge the selected duplicate patients", permissions=["merge"])
    def merge_patients(self, request: HttpRequest, queryset: QuerySet):
        patients = queryset.order_by("pk")
        if patients.count() < 2:
            self.message_user(request, "Select two or more records to merge.", messages.ERROR)
            return None
        form = PatientMergeForm(request.POST if "keep" in request.POST else None, patients=patients)
        if form.is_valid():
            keep = form.cleaned_data["keep"]
            for duplicate in patients.exclude(pk=keep.pk):
                keep = services.patient_merge(
                    keep=keep, duplicate=duplicate, acting_user=request.user
                )
            self.message_user(request, f"Merged {patients.count()} record(s) into {keep}.")
            return None
        return TemplateResponse(
            request,
            "admin/booking/patient_merge.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Merge duplicate patients",
                "patients": patients,
                "form": form,
                "action": "merge_patients",
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


# --- Appointments -------------------------------------------------------------------------------


class WhenFilter(admin.SimpleListFilter):
    title = "when"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [
            ("today", "Today"),
            ("tomorrow", "Tomorrow"),
            ("week", "This week"),
            ("upcoming", "Upcoming"),
            ("past", "Past"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        tz = clinic_zone()
        match self.value():
            case "today":
                first, last = today, today
            case "tomorrow":
                first = last = today + timedelta(days=1)
            case "week":
                first = today - timedelta(days=today.weekday())
                last = first + timedelta(days=6)
            case "upcoming":
                return queryset.filter(start__gte=timezone.now())
            case "past":
                return queryset.filter(start__lt=timezone.now())
            case _:
                return queryset
        start, end = day_bounds(first, last, tz)
        return queryset.filter(start__gte=start, start__lt=end)


class IntakeInline(admin.StackedInline):
    """Health details: rendered only for users with booking.view_health_details."""

    model = Intake
    can_delete = False
    extra = 0
    max_num = 1
    fields = [
        "joints",
        "pain_score",
        "pain_duration",
        "note",
        "aggravating_factors",
        "previous_treatments",
        "current_medications",
        "imaging",
        "questionnaire_completed_at",
    ]
    readonly_fields = fields

    def has_view_permission(self, request, obj=None) -> bool:
        return sees_health_details(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class MessageInline(admin.TabularInline):
    model = OutboundMessage
    verbose_name = "message sent"
    verbose_name_plural = "messages sent"
    fields = ["kind", "scheduled_for", "status", "attempts", "sent_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["scheduled_for"]

    def has_view_permission(self, request, obj=None) -> bool:
        # Which emails went out is scheduling information, not health information.
        return request.user.has_perm("booking.view_appointment")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "when",
        "patient_name",
        "consultation_type",
        "practitioner",
        "status",
        "source",
    ]
    list_filter = [WhenFilter, "practitioner", "consultation_type", "status", "source"]
    list_select_related = ["patient", "practitioner", "consultation_type"]
    search_fields = [
        "patient__full_name",
        "patient__email",
        "patient__phone",
        "contact_name",
        "contact_email",
        "contact_phone",
        "reference",
    ]
    date_hierarchy = "start"
    ordering = ["start"]
    list_per_page = 100
    inlines = [IntakeInline, MessageInline]
    actions = [
        "confirm",
        "mark_arrived",
        "mark_completed",
        "mark_no_show",
        "cancel_and_notify",
        "resend_confirmation",
    ]
    fieldsets = [
        (
            "Visit",
            {
                "fields": [
                    "local_start",
                    "local_end",
                    "consultation_type",
                    "practitioner",
                    "status",
                    "move_link",
                ]
            },
        ),
        (
            "Patient",
            {
                "fields": [
                    "patient",
                    "contact_name",
                    "contact_email",
                    "contact_phone",
                    "booked_for_someone_else",
                    "booker_name",
                ]
            },
        ),
        (
            "Booking",
            {
                "fields": [
                    "reference",
                    "source",
                    "booked_by",
                    "reminders_enabled",
                    "created_at",
                    "cancelled_at",
                    "cancellation_reason",
                ]
            },
        ),
    ]
    history_list_display = ["status"]

    class Media:
        css = {"all": ["css/admin-schedule.css"]}

    def get_readonly_fields(self, request, obj=None):
        # Every field: changes go through the actions and the book/move pages (services).
        return [f for fs in self.fieldsets for f in fs[1]["fields"]]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        return qs if sees_all_schedules(request) else qs.filter(practitioner__user=request.user)

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.strip())

    def has_change_permission(self, request, obj=None) -> bool:
        # The change page is a read-only record (no Save); the permission still gates actions.
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # appointments are cancelled, never deleted

    def has_mark_arrived_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("booking.mark_arrived")

    def has_mark_outcome_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("booking.mark_outcome")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        failed = []
        if request.user.has_perm("booking.view_outboundmessage"):
            # Failed emails sit at the top of the record, each with its resend button: the
            # patient may not know their confirmation or reminder never arrived.
            failed = list(
                OutboundMessage.objects.filter(
                    appointment_id=object_id if str(object_id).isdigit() else None,
                    status=OutboundMessage.Status.FAILED,
                ).order_by("scheduled_for", "pk")
            )
        extra_context = {
            **(extra_context or {}),
            "failed_messages": failed,
            "can_resend": request.user.has_perm("booking.change_outboundmessage"),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(reverse("admin:booking_appointment_book"))

    def get_urls(self):
        def wrap(view):
            def wrapper(request, *args, **kwargs):
                return view(request, self, *args, **kwargs)

            return self.admin_site.admin_view(wrapper)

        custom = [
            path("schedule/day/", wrap(admin_views.schedule_day), name="booking_schedule_day"),
            path("schedule/week/", wrap(admin_views.schedule_week), name="booking_schedule_week"),
            path(
                "schedule/print/", wrap(admin_views.schedule_print), name="booking_schedule_print"
            ),
            path("book/", wrap(admin_views.book), name="booking_appointment_book"),
            path(
                "disruption/", wrap(admin_views.disruption), name="booking_appointment_disruption"
            ),
            path("export.csv", wrap(self.export_view), name="booking_appointment_export"),
            path("<path:object_id>/move/", wrap(admin_views.move), name="booking_appointment_move"),
            path(
                "<path:object_id>/status/",
                wrap(admin_views.set_status),
                name="booking_appointment_set_status",
            ),
            path(
                "<path:object_id>/resend-message/",
                wrap(admin_views.appointment_message_resend),
                name="booking_appointment_message_resend",
            ),
        ]
        return custom + super().get_urls()

    def export_view(self, request: HttpRequest, model_admin) -> HttpResponse:
        try:
            return admin_views.export_csv(request, model_admin)
        except (IncorrectLookupParameters, DisallowedModelAdminLookup):
            return HttpResponseBadRequest("Those filters are not valid; go back to the list.")

    @admin.display(description="When", ordering="start")
    def when(self, obj: Appointment) -> str:
        return f"{_local(obj.start):%a %d %b %Y %H:%M}"

    @admin.display(description="Patient", ordering="patient__full_name")
    def patient_name(self, obj: Appointment) -> str:
        return obj.patient.full_name

    @admin.display(description="Starts")
    def local_start(self, obj: Appointment) -> str:
        return f"{_local(obj.start):%A %d %B %Y, %H:%M}"

    @admin.display(description="Ends")
    def local_end(self, obj: Appointment) -> str:
        return f"{_local(obj.end):%H:%M}"

    @admin.display(description="Change")
    def move_link(self, obj: Appointment) -> str:
        if not obj.is_open:
            return "-"
        return format_html(
            '<a class="button" href="{}">Move to another time or practitioner</a>',
            reverse("admin:booking_appointment_move", args=[obj.pk]),
        )

    def _run(self, request, queryset, verb: str, call) -> None:
        done, refused = 0, []
        for appointment in queryset:
            try:
                call(appointment)
                done += 1
            except services.BookingError as exc:
                refused.append(
                    f"{appointment.patient} ({_local(appointment.start):%d %b %H:%M})"
                    f": {exc.message}"
                )
        if done:
            self.message_user(request, f"{verb}: {done} appointment(s).", messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.ERROR)

    def _set_status(self, request, queryset, status: str, verb: str) -> None:
        self._run(
            request,
            queryset,
            verb,
            lambda a: services.appointment_set_status(
                appointment=a, status=status, acting_user=request.user
            ),
        )

    @admin.action(description="Confirm the selected requests", permissions=["change"])
    def confirm(self, request, queryset):
        self._set_status(request, queryset, Status.CONFIRMED, "Confirmed")

    @admin.action(description="Mark arrived", permissions=["mark_arrived"])
    def mark_arrived(self, request, queryset):
        self._set_status(request, queryset, Status.ARRIVED, "Marked arrived")

    @admin.action(description="Mark completed", permissions=["mark_outcome"])
    def mark_completed(self, request, queryset):
        self._set_status(request, queryset, Status.COMPLETED, "Marked completed")

    @admin.action(description="Mark no-show", permissions=["mark_outcome"])
    def mark_no_show(self, request, queryset):
        self._set_status(request, queryset, Status.NO_SHOW, "Marked no-show")

    @admin.action(description="Cancel (the patient is notified)", permissions=["change"])
    def cancel_and_notify(self, request, queryset):
        # Patients are emailed at once and a cancellation cannot be undone: ask first.
        form = CancelConfirmForm(request.POST if "confirm_cancel" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._run(
                request,
                queryset,
                "Cancelled, patients notified",
                lambda a: services.appointment_cancel(
                    appointment=a,
                    reason=form.cleaned_data["reason"],
                    acting_user=request.user,
                    source=Appointment.Source.ADMIN,
                    apply_patient_rules=False,
                ),
            )
            return None
        return TemplateResponse(
            request,
            "admin/booking/appointment_cancel.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Cancel appointments and notify the patients",
                "appointments": queryset.select_related(
                    "patient", "practitioner", "consultation_type"
                ),
                "form": form,
                "action": "cancel_and_notify",
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description="Resend the confirmation email", permissions=["change"])
    def resend_confirmation(self, request, queryset):
        self._run(
            request,
            queryset,
            "Confirmation re-sent",
            lambda a: services.appointment_confirmation_resend(
                appointment=a, acting_user=request.user
            ),
        )


# --- Email ledger -------------------------------------------------------------------------------


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = ["kind", "appointment_when", "status", "attempts", "scheduled_for", "sent_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["appointment"]
    date_hierarchy = "scheduled_for"
    fields = [
        "appointment",
        "kind",
        "scheduled_for",
        "status",
        "attempts",
        "sent_at",
        "last_error",
    ]
    readonly_fields = fields
    actions = ["resend"]

    @admin.display(description="Appointment")
    def appointment_when(self, obj: OutboundMessage) -> str:
        return f"#{obj.appointment_id} {_local(obj.appointment.start):%d %b %H:%M}"

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Resend the selected messages", permissions=["change"])
    def resend(self, request, queryset):
        count = 0
        for message_id in queryset.values_list("pk", flat=True):
            emails.message_resend(message_id=message_id, acting_user=request.user)
            count += 1
        self.message_user(request, f"Queued {count} message(s) again.", messages.SUCCESS)


# --- Audit trail of data-rights requests -------------------------------------------------------


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only for everyone: an audit trail that staff could edit would prove nothing."""

    list_display = ["created_at", "action", "actor_label", "patient_id", "summary"]
    list_filter = ["action"]
    search_fields = ["actor_label", "=patient_id"]
    date_hierarchy = "created_at"
    fields = ["created_at", "action", "actor_label", "patient_id", "summary"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_search_results(self, request, queryset, search_term):
        # "=patient_id" on a non-number would raise in the database on PostgreSQL.
        term = search_term.strip()
        if term and not term.isdigit():
            return queryset.filter(actor_label__icontains=term), False
        return super().get_search_results(request, queryset, term)


# --- Staff logins -------------------------------------------------------------------------------


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """The manager runs staff logins through the role groups, but cannot grant superuser."""

    list_display = ["username", "first_name", "last_name", "email", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "groups"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        # Otherwise a manager could reset a superuser's password and sign in as them.
        return qs if request.user.is_superuser else qs.filter(is_superuser=False)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions", "last_login", "date_joined"]
        return fields
