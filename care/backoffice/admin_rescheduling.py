"""Plans to reschedule: the list reception, the manager and the plan's clinician work through
(each row links to the plan and its visit, and has a "handled" button). Read-only otherwise:
the rows are written by care/rescheduling.py when a move breaks a plan's windows."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from care.backoffice.rows import own_rows
from care.models import RescheduleAlert
from care.rescheduling import reschedule_alert_handle


class HandledFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "handled"

    def lookups(self, request, model_admin):
        return [("open", "To reschedule"), ("done", "Handled")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(handled_at__isnull=True)
        if self.value() == "done":
            return queryset.filter(handled_at__isnull=False)
        return queryset


def _id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


@admin.register(RescheduleAlert)
class RescheduleAlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "patient", "plan_link", "detail", "handled"]
    list_display_links = None
    list_filter = [HandledFilter]
    list_select_related = ["plan__patient", "plan__template", "handled_by"]
    search_fields = ["plan__patient__full_name"]

    def get_queryset(self, request: HttpRequest):
        return own_rows(request, super().get_queryset(request), plan_path="plan__")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Patient", ordering="plan__patient__full_name")
    def patient(self, alert: RescheduleAlert) -> str:
        return alert.plan.patient.full_name

    @admin.display(description="Plan")
    def plan_link(self, alert: RescheduleAlert) -> str:
        url = reverse("admin:care_careplan_change", args=[alert.plan_id])
        return format_html('<a href="{}">{}</a>', url, alert.plan.template.name)

    @admin.display(description="Handled")
    def handled(self, alert: RescheduleAlert) -> str:
        if alert.handled_at:
            who = alert.handled_by.get_username() if alert.handled_by else "someone"
            return f"{timezone.localtime(alert.handled_at):%Y-%m-%d %H:%M} by {who}"
        url = reverse("admin:care_reschedulealert_handled", args=[alert.pk])
        # The change list is itself a form: the button posts to its own URL.
        return format_html(
            '<button type="submit" class="button" formaction="{}" formmethod="post">'
            "Mark handled</button>",
            url,
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<str:alert_id>/handled/",
                wrap(lambda r, alert_id: alert_handled(r, self, alert_id)),
                name="care_reschedulealert_handled",
            ),
            *super().get_urls(),
        ]


def alert_handled(request: HttpRequest, model_admin, alert_id: str) -> HttpResponse:
    """Mark a plan to reschedule handled, then back where the button was."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.has_perm("care.change_reschedulealert"):
        raise PermissionDenied
    alert = get_object_or_404(model_admin.get_queryset(request), pk=_id(alert_id))
    if reschedule_alert_handle(alert=alert, acting_user=request.user, now=timezone.now()):
        messages.success(request, "Marked handled.")
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("admin:care_reschedulealert_changelist") + "?handled=open"
    return HttpResponseRedirect(back)
