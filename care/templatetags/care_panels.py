"""The care panel of booking's appointment page, loaded by the project's template, so booking
never imports care: start a plan (clinicians), or the plan this visit belongs to."""

from __future__ import annotations

from django import template

from care.backoffice.panels import (
    open_reschedule_count,
    open_reschedules,
    patient_charts,
    patient_plans,
    safety_alerts,
)
from care.models import PlanTemplate

register = template.Library()


@register.inclusion_tag("admin/care/_appointment_panel.html", takes_context=True)
def care_appointment_panel(context) -> dict:
    request = context["request"]
    appointment = context.get("original")
    if appointment is None or not request.user.has_perm("care.view_careplan"):
        return {"show": False}
    can_start = request.user.has_perm("care.add_careplan")
    return {
        "show": True,
        "appointment": appointment,
        "plans": patient_plans(request, patient_id=appointment.patient_id),
        "can_start": can_start,
        "templates": list(PlanTemplate.objects.filter(active=True)) if can_start else [],
        "charts": patient_charts(request, patient_id=appointment.patient_id),
        "alerts": safety_alerts(request, patient_id=appointment.patient_id),
    }


@register.inclusion_tag("admin/care/_alerts.html", takes_context=True)
def care_alerts_panel(context) -> dict:
    """The admin index's list of answers clearly worse than baseline, for the treating
    clinician (and the manager), each with a "seen" button."""
    return {"alerts": safety_alerts(context["request"]), "show_patient": True}


@register.inclusion_tag("admin/care/_outcomes.html", takes_context=True)
def care_patient_outcomes(context) -> dict:
    """The patient page's outcome charts (booking's template loads this tag)."""
    patient = context.get("original")
    return {"charts": patient_charts(context["request"], patient_id=getattr(patient, "pk", None))}


@register.inclusion_tag("admin/care/_reschedules.html", takes_context=True)
def care_reschedule_panel(context) -> dict:
    """The admin index's plans to reschedule (a move broke a later step's window), each with
    a "handled" button, for reception, the manager and the plan's clinician."""
    request = context["request"]
    alerts, total = open_reschedules(request)
    return {
        "alerts": alerts,
        "total": total,
        "can_handle": request.user.has_perm("care.change_reschedulealert"),
    }


@register.inclusion_tag("admin/care/_reschedule_notice.html", takes_context=True)
def care_reschedule_notice(context) -> dict:
    """One line on the front desk's day view: how many plans need rescheduling, and the list."""
    return {"count": open_reschedule_count(context["request"])}
