"""What the clinician panels show, for the appointment page, the patient page and the patient
record: the patient's plans, their outcome charts and unseen safety alerts, each cut to what
the user may see (a fixed number of queries, whatever the number of plans or answers)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.safestring import mark_safe

from care.backoffice.rows import own_rows, sees_outcomes
from care.models import CarePlan, RescheduleAlert, SafetyAlert
from care.results import plan_charts

ALERTS_SHOWN = 20


def patient_plans(request: HttpRequest, *, patient_id: int) -> list[CarePlan]:
    return list(
        own_rows(
            request,
            CarePlan.objects.filter(patient_id=patient_id).select_related("template"),
            plan_path="",
        )
    )


def safety_alerts(request: HttpRequest, *, patient_id: int | None = None) -> list[SafetyAlert]:
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


def patient_charts(request: HttpRequest, *, patient_id: int | None) -> list[dict]:
    """The patient's scores over time: only their treating clinician's plans, or the manager."""
    if patient_id is None or not sees_outcomes(request):
        return []
    plans = own_rows(request, CarePlan.objects.filter(patient_id=patient_id), plan_path="")
    # clinic/charts.py escapes every text it draws.
    return [{**chart, "html": mark_safe(chart["html"])} for chart in plan_charts(plans)]  # noqa: S308


RESCHEDULES_SHOWN = 20


def sees_reschedules(request: HttpRequest) -> bool:
    return request.user.has_perm("care.view_reschedulealert")


def open_reschedules(request: HttpRequest) -> tuple[list[RescheduleAlert], int]:
    """The plans to reschedule the user may see (reception and the manager: all; a clinician:
    their own), newest first, and how many there are in all (2 queries)."""
    if not sees_reschedules(request):
        return [], 0
    alerts = own_rows(
        request, RescheduleAlert.objects.filter(handled_at__isnull=True), plan_path="plan__"
    )
    shown = list(alerts.select_related("plan__patient", "plan__template")[:RESCHEDULES_SHOWN])
    # Always counted, so the page's queries stay the same however many there are.
    return shown, alerts.count()


def open_reschedule_count(request: HttpRequest) -> int:
    if not sees_reschedules(request):
        return 0
    return own_rows(
        request, RescheduleAlert.objects.filter(handled_at__isnull=True), plan_path="plan__"
    ).count()


def record_section_visible(user, patient) -> bool:
    """The patient record's care section: anyone who sees plans (reception sees them as a
    schedule; the charts inside are cut to clinicians and the manager)."""
    return user.has_perm("care.view_careplan")


def record_section(request: HttpRequest, patient) -> tuple[str, dict]:
    return "admin/care/_record_section.html", {
        "plans": patient_plans(request, patient_id=patient.pk),
        "charts": patient_charts(request, patient_id=patient.pk),
    }
