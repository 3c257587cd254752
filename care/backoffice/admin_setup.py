"""What the manager sets up in the admin: instruments, outcome schedules, plan templates and
consent texts (the course, not any patient's data)."""

from __future__ import annotations

from django.contrib import admin

from care.models import (
    ConsentText,
    Instrument,
    InstrumentItem,
    OutcomeSchedule,
    PlanTemplate,
    PlanTemplateStep,
)


class InstrumentItemInline(admin.StackedInline):
    model = InstrumentItem
    extra = 0


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["name", "direction", "compared_to_baseline", "active"]
    list_filter = ["active"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [InstrumentItemInline]


@admin.register(OutcomeSchedule)
class OutcomeScheduleAdmin(admin.ModelAdmin):
    list_display = ["name", "follow_up_days", "reminder_after_days"]
    filter_horizontal = ["instruments"]


class PlanTemplateStepInline(admin.TabularInline):
    model = PlanTemplateStep
    extra = 1
    autocomplete_fields = ["consultation_type"]


@admin.register(PlanTemplate)
class PlanTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "outcome_schedule", "active"]
    list_filter = ["active"]
    inlines = [PlanTemplateStepInline]


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    """A published version is never edited: a new text is a new version (signatures point at
    the exact words the patient read)."""

    list_display = ["title", "consultation_type", "version", "published_at"]
    list_filter = ["consultation_type"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [
                "consultation_type",
                "version",
                "title",
                "title_es",
                "body",
                "body_es",
                "published_at",
            ]
        return []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
