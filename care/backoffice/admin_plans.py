"""Patients' plans in the admin: plans and their steps and time points (clinician: own only),
answers, safety alerts and consent records (health data: the plan's clinician and the manager).
Nothing here writes a plan past the services: plans, answers and consents are read-only."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import path

from care.backoffice.report_views import outcomes_csv, outcomes_view
from care.backoffice.rows import own_rows
from care.backoffice.series_views import book_remaining, may_book_series
from care.backoffice.views import alert_seen, end_plan, start_plan
from care.links import plan_token
from care.models import CarePlan, CarePlanStep, ConsentRecord, Response, SafetyAlert, TimePoint
from care.plans import plan_steps, step_is_taken, steps_out_of_window


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class CarePlanStepInline(ReadOnlyInline):
    model = CarePlanStep
    fields = ["position", "template_step", "appointment"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        # Each row shows its step's type and its visit (type, practitioner): joined here, not
        # one query per row.
        return (
            super()
            .get_queryset(request)
            .select_related(
                "template_step__consultation_type",
                "appointment__consultation_type",
                "appointment__practitioner",
            )
        )


class TimePointInline(ReadOnlyInline):
    model = TimePoint
    fields = ["days_after_procedure", "due_at", "answered_at"]
    readonly_fields = fields


@admin.register(CarePlan)
class CarePlanAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "patient", "clinician", "status", "started_at"]
    list_filter = ["status", "template"]
    search_fields = ["patient__full_name"]
    list_select_related = ["patient", "clinician", "template"]
    inlines = [CarePlanStepInline, TimePointInline]
    exclude = ["reference", "link_version"]

    def get_queryset(self, request: HttpRequest):
        return own_rows(request, super().get_queryset(request), plan_path="")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("start/<str:appointment_id>/", wrap(start_plan), name="care_careplan_start"),
            path(
                "outcomes/",
                wrap(lambda r: outcomes_view(r, self)),
                name="care_careplan_outcomes",
            ),
            path(
                "outcomes.csv",
                wrap(lambda r: outcomes_csv(r, self)),
                name="care_careplan_outcomes_csv",
            ),
            path("<str:plan_id>/end/", wrap(end_plan), name="care_careplan_end"),
            path(
                "<str:plan_id>/book-remaining/",
                wrap(lambda r, plan_id: book_remaining(r, self, plan_id)),
                name="care_careplan_book_remaining",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        plan = self.get_object(request, object_id)
        extra = {}
        if plan is not None:
            steps = plan_steps(plan)
            extra = {
                "plan_link": plan_token(plan)
                if request.user.has_perm("care.change_careplan")
                else "",
                "out_of_window": steps_out_of_window(steps),
                "can_end": plan.is_active and request.user.has_perm("care.change_careplan"),
                "can_book_remaining": plan.is_active
                and may_book_series(request.user)
                and any(not step_is_taken(step) for step in steps),
            }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = ["instrument", "score", "time_point", "submitted_at"]
    list_select_related = ["instrument", "time_point"]

    def get_queryset(self, request: HttpRequest):
        return own_rows(request, super().get_queryset(request), plan_path="time_point__plan__")

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("care.view_outcomes") and super().has_view_permission(
            request, obj
        )


@admin.register(SafetyAlert)
class SafetyAlertAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "created_at", "seen_at"]
    list_filter = ["seen_at"]

    def get_queryset(self, request: HttpRequest):
        return own_rows(request, super().get_queryset(request), plan_path="plan__")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<str:alert_id>/seen/", wrap(alert_seen), name="care_safetyalert_seen"),
            *super().get_urls(),
        ]

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("care.view_outcomes") and super().has_view_permission(
            request, obj
        )


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "text", "language", "signed_name", "recorded_at"]
    list_select_related = ["text"]

    def get_queryset(self, request: HttpRequest):
        return own_rows(request, super().get_queryset(request), plan_path="plan__")

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("care.view_consents") and super().has_view_permission(
            request, obj
        )
