"""The appointment admin's parts: the "when" filter, and the inlines of the change page (the
patient's answers, the messages sent)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.utils import timezone

from booking.backoffice.admin_base import sees_health_details
from booking.models import Intake, OutboundMessage
from booking.patients.intake import intake_joint_labels
from booking.scheduling.clock import clinic_zone, day_bounds


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
    """Health details, as a clinician reads them (joint names, pain out of ten): rendered only
    for users with booking.view_health_details."""

    model = Intake
    verbose_name = verbose_name_plural = "Patient's answers"
    can_delete = False
    extra = 0
    max_num = 1
    fields = [
        "where_it_hurts",
        "pain",
        "pain_duration",
        "note",
        "aggravating_factors",
        "previous_treatments",
        "current_medications",
        "imaging",
        "questionnaire_completed_at",
    ]
    readonly_fields = fields

    @admin.display(description="Where it hurts")
    def where_it_hurts(self, obj: Intake) -> str:
        return intake_joint_labels(obj) or "-"

    @admin.display(description="Pain")
    def pain(self, obj: Intake) -> str:
        return "-" if obj.pain_score is None else f"{obj.pain_score}/10"

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
    fields = ["kind", "channel", "scheduled_for", "status", "delivery", "attempts", "sent_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["scheduled_for"]

    @admin.display(description="Delivery")
    def delivery(self, obj: OutboundMessage) -> str:
        return obj.delivery_display() or "–"

    def has_view_permission(self, request, obj=None) -> bool:
        # Which emails went out is scheduling information, not health information.
        return request.user.has_perm("booking.view_appointment")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
