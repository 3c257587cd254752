"""What every page the plan's private link opens shares: finding the plan, or the page to show
instead (the same not-found page for any unknown, tampered or revoked link)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from care.links import plan_for_token, plan_link_expired
from care.models import CarePlan


def plan_opened(request: HttpRequest, token: str) -> tuple[CarePlan | None, HttpResponse | None]:
    plan = plan_for_token(
        token, queryset=CarePlan.objects.select_related("patient", "template", "clinician")
    )
    if plan is None:
        return None, render(request, "booking/link_invalid.html", status=404)
    if plan_link_expired(plan, now=timezone.now()):
        return None, render(request, "booking/link_expired.html", status=410)
    return plan, None
