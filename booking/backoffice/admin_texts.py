"""Replies to read: texts patients sent to the clinic's number, read-only, marked read by staff."""

from __future__ import annotations

from django.contrib import admin, messages

from booking.messaging.sms.inbound import inbound_texts_mark_read
from booking.models import InboundText


class UnreadFilter(admin.SimpleListFilter):
    title = "read"
    parameter_name = "unread"

    def lookups(self, request, model_admin):
        return [("1", "To read"), ("0", "Read")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(read_at__isnull=True)
        if self.value() == "0":
            return queryset.filter(read_at__isnull=False)
        return queryset


@admin.register(InboundText)
class InboundTextAdmin(admin.ModelAdmin):
    list_display = ["received_at", "from_number", "patient", "keyword", "body", "read_at"]
    list_filter = [UnreadFilter, "keyword"]
    list_select_related = ["patient"]
    search_fields = ["=from_number"]
    date_hierarchy = "received_at"
    fields = [
        "received_at",
        "from_number",
        "patient",
        "appointment",
        "keyword",
        "body",
        "read_at",
        "read_by",
    ]
    readonly_fields = fields
    actions = ["mark_read"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Mark the selected texts read", permissions=["change"])
    def mark_read(self, request, queryset):
        count = inbound_texts_mark_read(
            text_ids=list(queryset.values_list("pk", flat=True)), user=request.user
        )
        self.message_user(request, f"Marked {count} text(s) read.", messages.SUCCESS)
