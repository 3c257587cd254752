"""The patient's plan page (what is booked, what is next) and booking the next step inside its
window, through the plan's private link."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from booking.interface import BookingError, clinic_zone
from care.journey.common import plan_opened
from care.outcomes import outcomes_opt_back_in, outcomes_opt_out, questionnaires_open
from care.plans import plan_next_step, plan_step_book, plan_steps, step_slots, step_window
from clinic.language import language_switch_requested


def _parse_start(raw: str) -> datetime | None:
    try:
        start = datetime.fromisoformat(raw[:40])
    except (TypeError, ValueError):
        return None
    return start if timezone.is_aware(start) else None


@never_cache
@require_http_methods(["GET", "POST"])
def plan_page(request: HttpRequest, token: str) -> HttpResponse:
    plan, problem = plan_opened(request, token)
    if problem:
        return problem
    steps = plan_steps(plan)
    next_step = plan_next_step(steps) if plan.is_active else None
    if request.method == "POST" and language_switch_requested(request):
        return redirect("care:plan", token=token)  # a switch never books
    if request.method == "POST":
        start = _parse_start(request.POST.get("start", ""))
        if next_step is None or start is None:
            return render(request, "booking/bad_request.html", status=400)
        try:
            plan_step_book(step=next_step, start=start)
        except BookingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your visit is booked."))
        return redirect("care:plan", token=token)
    window = step_window(next_step, steps) if next_step else None
    slots = step_slots(step=next_step, steps=steps) if next_step and window else {}
    zone = clinic_zone()
    return render(
        request,
        "care/plan.html",
        {
            "plan": plan,
            "token": token,
            "steps": steps,
            "next_step": next_step,
            "window": window,
            "days": [
                (day, sorted({timezone.localtime(slot.start, zone) for slot in day_slots}))
                for day, day_slots in sorted(slots.items())
                if day_slots
            ],
            "questionnaires": questionnaires_open(plan=plan, now=timezone.now()),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def questions_preference(request: HttpRequest, token: str) -> HttpResponse:
    """Stop (or restart) the questionnaires: a confirmation page, then one POST."""
    plan, problem = plan_opened(request, token)
    if problem:
        return problem
    if request.method == "POST" and language_switch_requested(request):
        # The switch's own form posts nothing else (the middleware answers it first); never
        # read it as a choice.
        return redirect("care:questions_preference", token=token)
    if request.method == "POST":
        if request.POST.get("choice") == "restart":
            outcomes_opt_back_in(plan=plan)
            messages.success(request, _("We will send you the questions again."))
        else:
            outcomes_opt_out(plan=plan, now=timezone.now())
            messages.success(request, _("We will not send you any more questions."))
        return redirect("care:plan", token=token)
    return render(request, "care/questions_preference.html", {"plan": plan, "token": token})
