"""The appointment admin: list, change page (read-only scheduling fields; every change of time,
practitioner or status goes through the scheduling services), actions and the back office's URLs.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from booking.backoffice.admin_appointment_parts import IntakeInline, MessageInline, WhenFilter
from booking.backoffice.admin_base import (
    ReadOnlyHistoryAdmin,
    local_datetime,
    local_time,
    sees_all_schedules,
)
from booking.backoffice.appointment_views import (
    appointment_link_resend,
    appointment_message_resend,
    book,
    disruption,
    move,
    set_status,
)
from booking.backoffice.calendar_feed import calendar_feed_page
from booking.backoffice.forms import CancelConfirmForm
from booking.backoffice.frontdesk_grid import appointment_cancel_one
from booking.backoffice.patient_views import export_csv
from booking.backoffice.reports import reports_page
from booking.backoffice.schedule_views import schedule_day, schedule_print, schedule_week
from booking.messaging.private_links import private_link_resend
from booking.models import Appointment, OutboundMessage
from booking.models.messages import UNDELIVERED_STATUSES
from booking.scheduling.changes import (
    appointment_cancel,
    appointment_confirmation_resend,
    appointment_set_status,
)
from booking.scheduling.errors import BookingError
from booking.scheduling.inputs import parse_id
from clinic.templatetags.phones import phone

Status = Appointment.Status


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyHistoryAdmin):
    # Name, time, practitioner, type and status fit 1280 px beside the filters (the browser
    # test measures it); the source is a filter and an export column.
    list_display = [
        "patient_name",
        "when",
        "practitioner_name",
        "consultation_type",
        "status",
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
        "short_reference",
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
        "resend_private_link",
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
                    "contact_phone_display",
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
                    "privacy_acknowledgement",
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

    @admin.display(description="Contact phone")
    def contact_phone_display(self, obj: Appointment) -> str:
        return phone(obj.contact_phone) or "-"

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
            # Texts the carrier could not deliver too: the provider took them, but the patient
            # never got them (the email of the same moment went on its own).
            failed = list(
                OutboundMessage.objects.filter(
                    Q(status=OutboundMessage.Status.FAILED)
                    | Q(delivery_status__in=UNDELIVERED_STATUSES),
                    appointment_id=parse_id(str(object_id)),
                ).order_by("scheduled_for", "pk")
            )
        extra_context = {
            **(extra_context or {}),
            "failed_messages": failed,
            "can_resend": request.user.has_perm("booking.change_outboundmessage"),
            "can_resend_link": request.user.has_perm("booking.change_appointment"),
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
            path("schedule/day/", wrap(schedule_day), name="booking_schedule_day"),
            path("schedule/week/", wrap(schedule_week), name="booking_schedule_week"),
            path("schedule/print/", wrap(schedule_print), name="booking_schedule_print"),
            path("book/", wrap(book), name="booking_appointment_book"),
            path("calendar-feed/", wrap(calendar_feed_page), name="booking_calendar_feed"),
            path("reports/", wrap(reports_page), name="booking_reports"),
            path("disruption/", wrap(disruption), name="booking_appointment_disruption"),
            path("export.csv", wrap(self.export_view), name="booking_appointment_export"),
            path("<path:object_id>/move/", wrap(move), name="booking_appointment_move"),
            path(
                "<path:object_id>/status/",
                wrap(set_status),
                name="booking_appointment_set_status",
            ),
            path(
                "<path:object_id>/cancel-one/",
                wrap(appointment_cancel_one),
                name="booking_appointment_cancel_one",
            ),
            path(
                "<path:object_id>/resend-link/",
                wrap(appointment_link_resend),
                name="booking_appointment_link_resend",
            ),
            path(
                "<path:object_id>/resend-message/",
                wrap(appointment_message_resend),
                name="booking_appointment_message_resend",
            ),
        ]
        return custom + super().get_urls()

    def export_view(self, request: HttpRequest, model_admin) -> HttpResponse:
        try:
            return export_csv(request, model_admin)
        except (IncorrectLookupParameters, DisallowedModelAdminLookup):
            return HttpResponseBadRequest("Those filters are not valid; go back to the list.")

    @admin.display(description="When", ordering="start")
    def when(self, obj: Appointment) -> str:
        return local_datetime(obj.start)

    @admin.display(description="Practitioner", ordering="practitioner__display_name")
    def practitioner_name(self, obj: Appointment) -> str:
        return obj.practitioner.display_name

    @admin.display(description="Patient", ordering="patient__full_name")
    def patient_name(self, obj: Appointment) -> str:
        return obj.patient.full_name

    @admin.display(description="Starts")
    def local_start(self, obj: Appointment) -> str:
        return local_datetime(obj.start)

    @admin.display(description="Ends")
    def local_end(self, obj: Appointment) -> str:
        return local_time(obj.end)

    @admin.display(description="Privacy notice")
    def privacy_acknowledgement(self, obj: Appointment) -> str:
        # Not a health detail: every role that sees the appointment sees how it was given.
        if obj.privacy_acknowledged_at is None:
            return "Not recorded"
        how = obj.get_privacy_acknowledged_how_display() or "Acknowledged"
        by = obj.privacy_acknowledged_by
        who = f" by {by.get_full_name() or by.get_username()}" if by is not None else ""
        return (
            f"{how}{who}, {local_datetime(obj.privacy_acknowledged_at)}"
            f" (notice version {obj.privacy_notice_version})"
        )

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
            except BookingError as exc:
                refused.append(
                    f"{appointment.patient} ({local_datetime(appointment.start)}): {exc.message}"
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
            lambda a: appointment_set_status(
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
                lambda a: appointment_cancel(
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
            lambda a: appointment_confirmation_resend(appointment=a, acting_user=request.user),
        )

    @admin.action(description="Revoke and re-send the private link", permissions=["change"])
    def resend_private_link(self, request, queryset):
        self._run(
            request,
            queryset,
            "Old links revoked, new link sent",
            lambda a: private_link_resend(appointment=a, acting_user=request.user),
        )
