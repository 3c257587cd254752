"""Reception (and the manager) book every remaining step of a plan at once: a page that lists
what is left with the windows, and one POST. Thin: the booking is care/series.py's."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from booking.interface import BookingError, clinic_zone
from care.backoffice.rows import own_rows
from care.models import CarePlan
from care.plans import plan_steps, step_is_taken, step_window
from care.series import StepNotPlaced, plan_book_remaining


class BookRemainingForm(forms.Form):
    """Nothing to choose: the button confirms (the times are the first free ones)."""

    confirm = forms.BooleanField(widget=forms.HiddenInput, initial=True)


def may_book_series(user) -> bool:
    # The staff who book visits (reception, the manager); clinicians do not book.
    return user.has_perm("booking.add_appointment") and user.has_perm("care.view_careplan")


def _id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


def book_remaining(request: HttpRequest, model_admin, plan_id: str) -> HttpResponse:
    if not may_book_series(request.user):
        raise PermissionDenied
    plan = get_object_or_404(
        own_rows(
            request,
            CarePlan.objects.select_related("patient", "clinician", "template"),
            plan_path="",
        ),
        pk=_id(plan_id),
    )
    back = reverse("admin:care_careplan_change", args=[plan.pk])
    form = BookRemainingForm(request.POST or None)
    failure: StepNotPlaced | None = None
    if request.method == "POST" and form.is_valid():
        try:
            booked = plan_book_remaining(plan=plan, acting_user=request.user)
        except StepNotPlaced as exc:
            failure = exc
        except BookingError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(back)
        else:
            zone = clinic_zone()
            times = "; ".join(
                f"step {b.step.position} on {b.appointment.start.astimezone(zone):%a %d %b %H:%M}"
                for b in booked
            )
            messages.success(
                request,
                f"Booked {len(booked)} visit(s) with {plan.clinician.display_name}: {times}. "
                "The patient gets a confirmation for each.",
            )
            return HttpResponseRedirect(back)
    steps = plan_steps(plan)
    rows = [
        {"step": step, "taken": step_is_taken(step), "window": step_window(step, steps)}
        for step in steps
    ]
    return TemplateResponse(
        request,
        "admin/care/book_remaining.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": f"Book the remaining steps of {plan.template.name} for {plan.patient}",
            "plan": plan,
            "rows": rows,
            "remaining": [row for row in rows if not row["taken"]],
            "form": form,
            "failure": failure,
            "opts": model_admin.model._meta,
        },
    )
