"""The care panel of booking's appointment page, loaded by the project's template, so booking
never imports care: start a plan (clinicians), or the plan this visit belongs to."""

from __future__ import annotations

from django import template

from care.backoffice.rows import own_rows
from care.models import CarePlan, PlanTemplate

register = template.Library()


@register.inclusion_tag("admin/care/_appointment_panel.html", takes_context=True)
def care_appointment_panel(context) -> dict:
    request = context["request"]
    appointment = context.get("original")
    if appointment is None or not request.user.has_perm("care.view_careplan"):
        return {"show": False}
    plans = list(
        own_rows(
            request,
            CarePlan.objects.filter(patient_id=appointment.patient_id).select_related("template"),
            plan_path="",
        )
    )
    can_start = request.user.has_perm("care.add_careplan")
    return {
        "show": True,
        "appointment": appointment,
        "plans": plans,
        "can_start": can_start,
        "templates": list(PlanTemplate.objects.filter(active=True)) if can_start else [],
        "chart": None,
    }
