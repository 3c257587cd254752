"""The care panel of booking's appointment page, loaded by the project's template, so booking
never imports care: start a plan (clinicians), or the plan this visit belongs to."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from care.backoffice.rows import own_rows, sees_outcomes
from care.models import CarePlan, PlanTemplate, SafetyAlert
from care.results import plan_charts

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
        "charts": _charts(request, patient_id=appointment.patient_id),
        "alerts": _alerts(request, patient_id=appointment.patient_id),
    }


ALERTS_SHOWN = 20


def _alerts(request, *, patient_id: int | None = None) -> list[SafetyAlert]:
    """Unseen safety alerts of the user's own plans (the manager: all), newest first."""
    if not sees_outcomes(request):
        return []
    alerts = own_rows(
        request,
        SafetyAlert.objects.filter(seen_at__isnull=True).select_related(
            "plan__patient", "response__instrument", "response__time_point"
        ),
        plan_path="plan__",
    )
    if patient_id is not None:
        alerts = alerts.filter(plan__patient_id=patient_id)
    return list(alerts.order_by("-created_at", "-pk")[:ALERTS_SHOWN])


@register.inclusion_tag("admin/care/_alerts.html", takes_context=True)
def care_alerts_panel(context) -> dict:
    """The admin index's list of answers clearly worse than baseline, for the treating
    clinician (and the manager), each with a "seen" button."""
    request = context["request"]
    return {"alerts": _alerts(request), "show_patient": True}


def _charts(request, *, patient_id: int | None) -> list[dict]:
    """The patient's scores over time: only their treating clinician's plans, or the manager."""
    if patient_id is None or not sees_outcomes(request):
        return []
    plans = own_rows(request, CarePlan.objects.filter(patient_id=patient_id), plan_path="")
    # clinic/charts.py escapes every text it draws.
    return [{**chart, "html": mark_safe(chart["html"])} for chart in plan_charts(plans)]  # noqa: S308


@register.inclusion_tag("admin/care/_outcomes.html", takes_context=True)
def care_patient_outcomes(context) -> dict:
    """The patient page's outcome charts (booking's template loads this tag)."""
    patient = context.get("original")
    return {"charts": _charts(context["request"], patient_id=getattr(patient, "pk", None))}
