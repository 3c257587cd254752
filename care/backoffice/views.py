"""Back-office care pages: a clinician starts a plan from the appointment page, staff end one
early. Thin: the writes are care/plans.py's."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from booking.interface import Appointment, BookingError
from care.backoffice.rows import own_rows, sees_all_plans, sees_outcomes
from care.models import CarePlan, PlanTemplate, SafetyAlert
from care.outcomes import alert_mark_seen
from care.plans import plan_end, plan_start


def _visible_appointments(request: HttpRequest):
    queryset = Appointment.objects.all()
    if sees_all_plans(request):
        return queryset
    return queryset.filter(practitioner__user=request.user)


def _id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


def start_plan(request: HttpRequest, appointment_id: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.has_perm("care.add_careplan"):
        raise PermissionDenied
    appointment = get_object_or_404(_visible_appointments(request), pk=_id(appointment_id))
    template = PlanTemplate.objects.filter(
        pk=_id(request.POST.get("template", "")), active=True
    ).first()
    back = reverse("admin:booking_appointment_change", args=[appointment.pk])
    if template is None:
        messages.error(request, "Choose a plan to start.")
        return HttpResponseRedirect(back)
    try:
        plan = plan_start(appointment=appointment, template=template, acting_user=request.user)
    except BookingError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(back)
    messages.success(request, f"Plan “{template}” started; the patient's link shows it.")
    return HttpResponseRedirect(reverse("admin:care_careplan_change", args=[plan.pk]))


def end_plan(request: HttpRequest, plan_id: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.has_perm("care.change_careplan"):
        raise PermissionDenied
    plan = get_object_or_404(
        own_rows(request, CarePlan.objects.all(), plan_path=""), pk=_id(plan_id)
    )
    try:
        plan_end(plan=plan, reason=request.POST.get("reason", ""), acting_user=request.user)
    except BookingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Plan ended; no further questionnaires will be sent.")
    return HttpResponseRedirect(reverse("admin:care_careplan_change", args=[plan.pk]))


def alert_seen(request: HttpRequest, alert_id: str) -> HttpResponse:
    """Mark a safety alert seen (the plan's clinician or the manager), back where it was shown."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not sees_outcomes(request):
        raise PermissionDenied
    alert = get_object_or_404(
        own_rows(request, SafetyAlert.objects.all(), plan_path="plan__"), pk=_id(alert_id)
    )
    alert_mark_seen(alert=alert, acting_user=request.user, now=timezone.now())
    messages.success(request, "Alert marked as seen.")
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("admin:index")
    return HttpResponseRedirect(back)
