"""Read-only admin pages for the message ledger and the audit trail."""

from __future__ import annotations

from django.contrib import admin, messages

from booking.backoffice.admin_base import local_datetime
from booking.messaging.ledger import message_resend
from booking.models import (
    AuditEvent,
    OutboundMessage,
)
from booking.scheduling.inputs import parse_id

OTHER_SUBJECTS = [
    ("time_point", "care time point"),
    ("waitlist_offer", "waitlist offer"),
    ("waitlist_entry", "waitlist entry"),
]


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "channel",
        "appointment_when",
        "status",
        "delivery",
        "attempts",
        "scheduled_for",
        "sent_at",
    ]
    list_filter = ["status", "delivery_status", "kind", "channel"]
    list_select_related = ["appointment"]
    date_hierarchy = "scheduled_for"
    fields = [
        "appointment",
        "kind",
        "channel",
        "scheduled_for",
        "status",
        "attempts",
        "sent_at",
        "last_error",
        "provider_id",
        "delivery_status",
        "delivery_error_code",
        "delivery_updated_at",
    ]
    readonly_fields = fields
    actions = ["resend"]

    @admin.display(description="About")
    def appointment_when(self, obj: OutboundMessage) -> str:
        # A row is about a visit, another app's subject (a care time point, a waitlist offer
        # or entry), or the patient as a whole (a consent copy): never assume a visit.
        if obj.appointment_id:
            return f"#{obj.appointment_id} {local_datetime(obj.appointment.start)}"
        for name, label in OTHER_SUBJECTS:
            if getattr(obj, f"{name}_id"):
                return f"{label} {getattr(obj, f'{name}_id')}"
        return f"patient {obj.patient_id}"

    @admin.display(description="Delivery", ordering="delivery_status")
    def delivery(self, obj: OutboundMessage) -> str:
        # What the provider reported after accepting it (texts); empty for email.
        return obj.delivery_display() or "–"

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Resend the selected messages", permissions=["change"])
    def resend(self, request, queryset):
        count = 0
        for message_id in queryset.values_list("pk", flat=True):
            message_resend(message_id=message_id, acting_user=request.user)
            count += 1
        self.message_user(request, f"Queued {count} message(s) again.", messages.SUCCESS)


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
        if term and parse_id(term) is None:
            return queryset.filter(actor_label__icontains=term), False
        return super().get_search_results(request, queryset, term)
