"""What a patient does with a private link: see, cancel, reschedule, answer the questionnaire,
download the calendar file; and ask for lost links again.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from booking import catalogue
from booking.journey.book import slot_from
from booking.journey.common import (
    appointment_opened,
    bad_request,
    practitioners_for,
    too_many_requests,
    zone_label,
)
from booking.journey.forms import (
    TIME_NOT_BOOKABLE,
    CancelForm,
    LostLinkForm,
    QuestionnaireForm,
)
from booking.journey.picker import free_practitioner_ids, picker_context, render_picker
from booking.journey.ratelimit import rate_limited
from booking.links.tokens import manage_token
from booking.messaging.ics import appointment_ics
from booking.messaging.lost_links import link_request_create
from booking.models import Appointment
from booking.patients.intake import intake_update
from booking.scheduling.changes import (
    appointment_can_change_online,
    appointment_cancel,
    appointment_reschedule,
    appointment_reschedule_is_noop,
)
from booking.scheduling.clock import clinic_zone
from booking.scheduling.errors import BookingError, SlotUnavailable
from clinic.language import language_switch_requested, redisplay


def _appointment_context(appointment: Appointment) -> dict:
    return {
        "appointment": appointment,
        "token": manage_token(appointment),
        "zone_label": zone_label(),
        "can_change": appointment_can_change_online(appointment),
        "questionnaire_open": appointment.is_open and appointment.start > timezone.now(),
    }


@never_cache
@require_GET
def confirmation(request: HttpRequest, token: str) -> HttpResponse:
    appointment, problem = appointment_opened(
        request,
        token,
        queryset=Appointment.objects.select_related("consultation_type", "practitioner", "intake"),
    )
    if problem is not None:
        return problem
    joints = appointment.intake.joints if hasattr(appointment, "intake") else []
    context = _appointment_context(appointment)
    # The related reading comes from education's `reading_for_joints` tag in the template:
    # booking never imports education (see the import contracts in pyproject.toml).
    context["joints"] = list(joints)
    context["step"] = 5
    return render(request, "booking/confirmation.html", context)


@never_cache
@require_GET
def manage(request: HttpRequest, token: str) -> HttpResponse:
    appointment, problem = appointment_opened(request, token)
    if problem is not None:
        return problem
    return render(request, "booking/manage.html", _appointment_context(appointment))


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def manage_cancel(request: HttpRequest, token: str) -> HttpResponse:
    appointment, problem = appointment_opened(request, token)
    if problem is not None:
        return problem
    if not appointment_can_change_online(appointment):
        return redirect("booking:manage", token=token)
    form = CancelForm(request.POST or None)
    if language_switch_requested(request):
        # The page again in the other language, the reason as typed: nothing is cancelled.
        redisplay(form)
    elif request.method == "POST" and form.is_valid():
        try:
            appointment_cancel(appointment=appointment, reason=form.cleaned_data["reason"].strip())
        except BookingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your appointment has been cancelled. We've emailed you."))
        return redirect("booking:manage", token=token)
    context = _appointment_context(appointment)
    context["form"] = form
    context["language_switch_form"] = "cancel-form"
    return render(request, "booking/cancel.html", context)


@never_cache
@require_GET
@catalogue.pinned()
def manage_reschedule(request: HttpRequest, token: str) -> HttpResponse:
    appointment, problem = appointment_opened(request, token)
    if problem is not None:
        return problem
    if not appointment_can_change_online(appointment):
        return redirect("booking:manage", token=token)
    practitioners = practitioners_for(appointment.consultation_type)
    if not request.GET.get("practitioner") and appointment.practitioner_id in {
        p.pk for p in practitioners
    }:
        # Rescheduling keeps the same clinician unless the patient picks another.
        request.GET = request.GET.copy()
        request.GET["practitioner"] = str(appointment.practitioner_id)
    context = picker_context(
        request,
        consultation_type=appointment.consultation_type,
        practitioners=practitioners,
        base_url=reverse("booking:manage_reschedule", args=[token]),
        pick_url=reverse("booking:manage_reschedule_confirm", args=[token]),
        exclude_appointment_id=appointment.pk,
        any_allowed=False,
        current=(appointment.start, appointment.practitioner_id),
    )
    if isinstance(context, HttpResponse):
        return context
    context["appointment"] = appointment
    context["token"] = token
    return render_picker(request, context)


@never_cache
@require_http_methods(["GET", "POST"])
def manage_reschedule_confirm(request: HttpRequest, token: str) -> HttpResponse:
    appointment, problem = appointment_opened(request, token)
    if problem is not None:
        return problem
    if not appointment_can_change_online(appointment):
        return redirect("booking:manage", token=token)
    ctype = appointment.consultation_type
    practitioners = practitioners_for(ctype)
    data = request.GET if request.method == "GET" else request.POST
    slot_form, problem = slot_from(request, data, ctype, practitioners)
    if problem is not None:
        return problem
    start = slot_form.cleaned_data["start"]
    practitioner = slot_form.cleaned_data["practitioner"] or appointment.practitioner
    back = reverse("booking:manage_reschedule", args=[token])
    if appointment_reschedule_is_noop(appointment, start=start, practitioner=practitioner):
        # Its own time again (a replayed POST, a double click): nothing to move, nothing to send.
        messages.info(request, _("That is already your appointment time; nothing has changed."))
        return redirect("booking:manage", token=token)
    if request.method == "POST" and not language_switch_requested(request):
        try:
            appointment_reschedule(appointment=appointment, start=start, practitioner=practitioner)
        except SlotUnavailable as exc:
            messages.error(request, exc.message)
            return redirect(back)
        except BookingError as exc:
            messages.error(request, exc.message)
            return redirect("booking:manage", token=token)
        messages.success(
            request, _("Your appointment has been moved. We've emailed you the details.")
        )
        return redirect("booking:manage", token=token)
    free = free_practitioner_ids(
        consultation_type=ctype,
        start=start,
        practitioner=practitioner,
        exclude_appointment_id=appointment.pk,
    )
    if not free:
        return bad_request(request, TIME_NOT_BOOKABLE, back_url=back)
    context = _appointment_context(appointment)
    context.update(
        {
            "slot_form": slot_form,
            "new_start": start.astimezone(clinic_zone()),
            "new_practitioner": practitioner,
            "back_url": back,
            # A switch re-posts the chosen time and shows this page again; nothing moves.
            "language_switch_form": "reschedule-form",
        }
    )
    return render(request, "booking/reschedule_confirm.html", context)


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def questionnaire(request: HttpRequest, token: str) -> HttpResponse:
    appointment, problem = appointment_opened(
        request,
        token,
        queryset=Appointment.objects.select_related("consultation_type", "practitioner", "intake"),
    )
    if problem is not None:
        return problem
    context = _appointment_context(appointment)
    if not context["questionnaire_open"]:
        return render(request, "booking/questionnaire.html", context)
    # Earlier answers are never shown again: a forwarded link must not reveal health details.
    intake = getattr(appointment, "intake", None)
    context["answered_at"] = intake.questionnaire_completed_at if intake else None
    form = QuestionnaireForm(request.POST or None)
    if language_switch_requested(request):
        # What was typed comes back in the other language; nothing is saved.
        redisplay(form)
    elif request.method == "POST" and form.is_valid():
        intake_update(appointment=appointment, answers=form.cleaned_data)
        messages.success(request, _("Thank you. Your answers have been sent to your clinician."))
        return redirect("booking:manage", token=token)
    context["form"] = form
    context["language_switch_form"] = "questionnaire-form"
    return render(request, "booking/questionnaire.html", context)


@never_cache
@require_GET
def calendar_download(request: HttpRequest, token: str) -> HttpResponse:
    appointment, problem = appointment_opened(request, token)
    if problem is not None:
        return problem
    response = HttpResponse(appointment_ics(appointment), content_type="text/calendar")
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def lost_link(request: HttpRequest) -> HttpResponse:
    """Re-send manage links; the answer is the same whether or not the address is known."""
    form = LostLinkForm(request.POST or None)
    if language_switch_requested(request):
        # The address as typed, on the other language's page: nothing is sent or counted.
        redisplay(form)
    elif request.method == "POST":
        if rate_limited(
            request,
            scope="lost-link",
            limit=settings.LOST_LINK_RATE_LIMIT,
            window_seconds=settings.LOST_LINK_RATE_WINDOW_SECONDS,
        ):
            return too_many_requests(request)
        if form.is_valid():
            # The same work for every address: the worker looks it up (see lost_links.py).
            link_request_create(email=form.cleaned_data["email"])
            return render(request, "booking/lost_link.html", {"sent": True})
    return render(
        request, "booking/lost_link.html", {"form": form, "language_switch_form": "lost-link-form"}
    )
