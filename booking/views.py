"""The patient booking journey: choose a type, a time, give details, review, confirm; then manage.

No accounts and nothing health-related in the session: the chosen slot travels as GET/POST
parameters, the typed details as hidden fields of the review step, and the manage token is the
only key to a booked visit. Views validate input with forms and call the services for writes.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from booking import selectors, services
from booking.availability import clinic_zone, merge_any_practitioner
from booking.forms import (
    ANY,
    CancelForm,
    DetailsForm,
    LostLinkForm,
    PickerForm,
    QuestionnaireForm,
    SlotForm,
)
from booking.ics import appointment_ics
from booking.models import Appointment, ConsultationType, Joint, Practitioner
from booking.ratelimit import rate_limited
from booking.tokens import appointment_for_token, manage_token
from education.selectors import articles_for_joints

# Friendly names for the zones US clinics are in; anything else is shown by its IANA name.
ZONE_LABELS = {
    "America/New_York": "Eastern Time",
    "America/Detroit": "Eastern Time",
    "America/Chicago": "Central Time",
    "America/Denver": "Mountain Time",
    "America/Phoenix": "Mountain Time (Arizona)",
    "America/Los_Angeles": "Pacific Time",
    "America/Anchorage": "Alaska Time",
    "Pacific/Honolulu": "Hawaii Time",
}
DAY_PARTS = (("morning", "Morning"), ("afternoon", "Afternoon"), ("evening", "Evening"))


def zone_label() -> str:
    return ZONE_LABELS.get(settings.TIME_ZONE, settings.TIME_ZONE.replace("_", " "))


def _bad_request(request: HttpRequest, message: str, *, back_url: str = "") -> HttpResponse:
    return render(
        request,
        "booking/bad_request.html",
        {"message": message, "back_url": back_url or reverse("booking:start")},
        status=400,
    )


def _link_not_found(request: HttpRequest) -> HttpResponse:
    """One page for every unknown, tampered or revoked manage link: it reveals nothing."""
    return render(request, "booking/link_invalid.html", status=404)


def _too_many_requests(request: HttpRequest) -> HttpResponse:
    return render(request, "429.html", status=429)


def _appointment_or_none(token: str) -> Appointment | None:
    return appointment_for_token(
        token,
        queryset=Appointment.objects.select_related("consultation_type", "practitioner"),
    )


def _practitioners_for(consultation_type: ConsultationType) -> list[Practitioner]:
    return list(
        Practitioner.objects.filter(active=True, consultation_types=consultation_type).order_by(
            "display_name"
        )
    )


def _active_type_or_404(type_slug: str) -> ConsultationType:
    return get_object_or_404(selectors.consultation_type_list_active(), slug=type_slug)


def _free_practitioner_ids(
    *,
    consultation_type: ConsultationType,
    start: datetime,
    practitioner: Practitioner | None,
    exclude_appointment_id: int | None = None,
) -> list[int]:
    """Who is free at exactly this start, by the same rules the booking service applies."""
    day = start.astimezone(clinic_zone()).date()
    slots = selectors.available_slots(
        consultation_type=consultation_type,
        first_day=day,
        last_day=day,
        practitioner_id=practitioner.pk if practitioner else None,
        exclude_appointment_id=exclude_appointment_id,
    )
    return [slot.practitioner_id for slot in slots.get(day, []) if slot.start == start]


@dataclass(frozen=True)
class TimeChoice:
    start: datetime
    end: datetime
    practitioner_param: str
    practitioner_names: str
    url: str = ""


def _day_part(moment: datetime) -> str:
    local = moment.astimezone(clinic_zone())
    if local.hour < 12:
        return "morning"
    return "afternoon" if local.hour < 17 else "evening"


def _url(base: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{base}?{query}" if query else base


def _picker_context(
    request: HttpRequest,
    *,
    consultation_type: ConsultationType,
    practitioners: list[Practitioner],
    base_url: str,
    pick_url: str,
    exclude_appointment_id: int | None = None,
    any_allowed: bool = True,
) -> dict | HttpResponse:
    """The month grid, the day's times and the next free time, or a 4xx for bad parameters."""
    form = PickerForm(request.GET, practitioners=practitioners)
    if not form.is_valid():
        if "practitioner" in form.errors:
            return render(request, "booking/link_invalid.html", {"not_found": True}, status=404)
        return _bad_request(
            request,
            "That month or day is not a valid date. Please pick a day from the calendar.",
            back_url=base_url,
        )
    practitioner = form.cleaned_data["practitioner"]
    practitioner_id = practitioner.pk if practitioner else None
    practitioner_param = str(practitioner_id) if practitioner else ANY
    names = {p.pk: str(p) for p in practitioners}

    profile = selectors.clinic_profile_get()
    picker = selectors.picker_availability(
        consultation_type=consultation_type,
        month=form.cleaned_data["month"],
        day=form.cleaned_data["date"],
        practitioner_id=practitioner_id,
        exclude_appointment_id=exclude_appointment_id,
        profile=profile,
    )
    month, days, chosen_date = picker.month, picker.bookable_days, picker.day
    month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    first_month, last_month = picker.window_first.replace(day=1), picker.window_last.replace(day=1)

    def nav(**params) -> str:
        return _url(base_url, practitioner=practitioner_param if practitioner else "", **params)

    weeks = []
    for week in calendar.Calendar(firstweekday=6).monthdatescalendar(month.year, month.month):
        weeks.append(
            [
                {
                    "date": day,
                    "in_month": day.month == month.month,
                    "bookable": day in days and day.month == month.month,
                    "selected": day == chosen_date,
                    "url": nav(month=f"{month:%Y-%m}", date=day.isoformat()),
                }
                for day in week
            ]
        )
    prev_month = (month - timedelta(days=1)).replace(day=1)
    next_month = month_end + timedelta(days=1)

    groups: dict[str, list[TimeChoice]] = {key: [] for key, _ in DAY_PARTS}
    if chosen_date is not None and chosen_date in days:
        for start, end, pids in merge_any_practitioner(picker.day_slots):
            param = str(pids[0]) if (practitioner or not any_allowed) else ANY
            who = names.get(pids[0], "") if practitioner or len(pids) == 1 else ""
            groups[_day_part(start)].append(
                TimeChoice(
                    start=start,
                    end=end,
                    practitioner_param=param,
                    practitioner_names=who,
                    url=_url(pick_url, start=start.isoformat(), practitioner=param),
                )
            )
    next_choice = None
    next_slot = picker.next_slot
    if next_slot is not None:
        param = str(next_slot.practitioner_id) if (practitioner or not any_allowed) else ANY
        next_choice = TimeChoice(
            start=next_slot.start,
            end=next_slot.end,
            practitioner_param=param,
            practitioner_names=names.get(next_slot.practitioner_id, ""),
            url=_url(pick_url, start=next_slot.start.isoformat(), practitioner=param),
        )
    return {
        "consultation_type": consultation_type,
        "practitioners": practitioners,
        "selected_practitioner": practitioner,
        "practitioner_param": practitioner_param,
        "month": month,
        "weeks": weeks,
        "prev_url": nav(month=f"{prev_month:%Y-%m}") if prev_month >= first_month else "",
        "next_url": nav(month=f"{next_month:%Y-%m}") if next_month <= last_month else "",
        "chosen_date": chosen_date,
        "chosen_date_bookable": chosen_date in days if chosen_date else False,
        "time_groups": [(key, label, groups[key]) for key, label in DAY_PARTS if groups[key]],
        "next_choice": next_choice,
        "zone_label": zone_label(),
        "base_url": base_url,
        "any_allowed": any_allowed,
        # Already fetched: the context processor's copy stays unevaluated.
        "clinic": profile,
    }


def _render_picker(request: HttpRequest, context: dict, *, status: int = 200) -> HttpResponse:
    htmx = getattr(request, "htmx", None)
    partial = bool(htmx) and not htmx.history_restore_request
    template = "booking/_picker.html" if partial else "booking/choose_time.html"
    return render(request, template, context, status=status)


# --- Step 1 and 2: type and time -----------------------------------------------------------


@never_cache
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "booking/start.html",
        {"consultation_types": selectors.consultation_type_list_active(), "step": 1},
    )


@never_cache
@require_GET
def choose_time(request: HttpRequest, type_slug: str) -> HttpResponse:
    consultation_type = _active_type_or_404(type_slug)
    context = _picker_context(
        request,
        consultation_type=consultation_type,
        practitioners=_practitioners_for(consultation_type),
        base_url=reverse("booking:choose_time", args=[type_slug]),
        pick_url=reverse("booking:details", args=[type_slug]),
    )
    if isinstance(context, HttpResponse):
        return context
    context["step"] = 2
    return _render_picker(request, context)


# --- Step 3 and 4: details, review, confirm ------------------------------------------------


def _slot_from(
    request: HttpRequest, data: QueryDict, consultation_type: ConsultationType, practitioners
) -> tuple[SlotForm, HttpResponse | None]:
    slot_form = SlotForm(data, practitioners=practitioners)
    if slot_form.is_valid():
        return slot_form, None
    back = reverse("booking:choose_time", args=[consultation_type.slug])
    if "practitioner" in slot_form.errors and "start" not in slot_form.errors:
        return slot_form, render(
            request, "booking/link_invalid.html", {"not_found": True}, status=404
        )
    return slot_form, _bad_request(
        request, "That appointment time is not valid. Please choose a time again.", back_url=back
    )


def _alternatives(
    *,
    consultation_type: ConsultationType,
    start: datetime,
    practitioner: Practitioner | None,
    names: dict[int, str],
    limit: int = 4,
) -> list[TimeChoice]:
    """The nearest free times to the one that was taken: same practitioner first, then anyone."""
    tz = clinic_zone()
    day = max(start.astimezone(tz).date(), timezone.localdate())
    slots = selectors.available_slots(
        consultation_type=consultation_type, first_day=day, last_day=day + timedelta(days=7)
    )
    candidates = [slot for day_slots in slots.values() for slot in day_slots]
    wanted = practitioner.pk if practitioner else None
    candidates.sort(key=lambda s: abs((s.start - start).total_seconds()))
    if wanted is None:
        ordered = candidates
    else:
        # Mostly the same clinician, but leave room for a colleague's nearer time.
        same = [s for s in candidates if s.practitioner_id == wanted]
        others = [s for s in candidates if s.practitioner_id != wanted]
        ordered = same[: limit - min(len(others), limit // 2)] + others
    seen: set[tuple] = set()
    choices: list[TimeChoice] = []
    for slot in ordered:
        param = str(slot.practitioner_id) if practitioner else ANY
        key = (slot.start, param)
        if key in seen:
            continue
        seen.add(key)
        choices.append(
            TimeChoice(
                start=slot.start,
                end=slot.end,
                practitioner_param=param,
                practitioner_names=names.get(slot.practitioner_id, "") if practitioner else "",
            )
        )
        if len(choices) >= limit:
            break
    return sorted(choices, key=lambda c: c.start)


def _review_context(
    *, consultation_type: ConsultationType, slot_form: SlotForm, details_form: DetailsForm
) -> dict:
    joints = dict(Joint.choices)
    context = _details_context(consultation_type, slot_form, details_form)
    context["step"] = 4
    context["joint_labels"] = [joints[j] for j in details_form.cleaned_data["joints"]]
    return context


def _render_slot_problem(
    request: HttpRequest,
    *,
    context: dict,
    practitioners: list[Practitioner],
    message: str,
    with_alternatives: bool = True,
    status: int = 409,
    limit: int = 4,
) -> HttpResponse:
    context["slot_problem"] = message
    context["slot_problem_is_error"] = status >= 400
    if with_alternatives:
        context["alternatives"] = _alternatives(
            consultation_type=context["consultation_type"],
            start=context["start"],
            practitioner=context["practitioner"],
            names={p.pk: str(p) for p in practitioners},
            limit=limit,
        )
    return render(request, "booking/review.html", context, status=status)


def _details_context(
    consultation_type: ConsultationType, slot_form: SlotForm, form: DetailsForm
) -> dict:
    start = slot_form.cleaned_data["start"].astimezone(clinic_zone())
    practitioner = slot_form.cleaned_data["practitioner"]
    return {
        "step": 3,
        "consultation_type": consultation_type,
        "slot_form": slot_form,
        "form": form,
        "start": start,
        "end": start + consultation_type.duration,
        "practitioner": practitioner,
        "zone_label": zone_label(),
        "change_time_url": _url(
            reverse("booking:choose_time", args=[consultation_type.slug]),
            date=start.date().isoformat(),
            practitioner=str(practitioner.pk) if practitioner else "",
        ),
    }


def _with_chosen_alternative(data: QueryDict) -> QueryDict:
    """An alternative time picked on the review step replaces the slot; the rest is kept."""
    choice = data.get("slot", "")
    if "|" in choice:
        data = data.copy()
        data["start"], data["practitioner"] = choice.split("|", 1)
    return data


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def details(request: HttpRequest, type_slug: str) -> HttpResponse:
    """Step 3 (GET, or POST with "edit") and the way to step 4 (POST): the review page."""
    consultation_type = _active_type_or_404(type_slug)
    practitioners = _practitioners_for(consultation_type)
    data = request.GET if request.method == "GET" else _with_chosen_alternative(request.POST)
    slot_form, problem = _slot_from(request, data, consultation_type, practitioners)
    if problem is not None:
        return problem
    start = slot_form.cleaned_data["start"]
    practitioner = slot_form.cleaned_data["practitioner"]

    if request.method == "GET" or "edit" in request.POST:
        form = DetailsForm(request.POST) if request.method == "POST" else DetailsForm()
        free = _free_practitioner_ids(
            consultation_type=consultation_type, start=start, practitioner=practitioner
        )
        if not free:
            return _bad_request(
                request,
                "Sorry, that time can't be booked online: it may have just been taken, or it is "
                "outside our hours. Please choose another time.",
                back_url=reverse("booking:choose_time", args=[type_slug]),
            )
        return render(
            request,
            "booking/details.html",
            _details_context(consultation_type, slot_form, form),
        )

    form = DetailsForm(request.POST)
    if not form.is_valid():
        return render(
            request, "booking/details.html", _details_context(consultation_type, slot_form, form)
        )
    if form.cleaned_data["website"]:
        return render(request, "booking/received.html")
    context = _review_context(
        consultation_type=consultation_type,
        slot_form=slot_form,
        details_form=form,
    )
    if "change_time" in request.POST:
        # Offered on the review page: other times nearby, without retyping anything.
        return _render_slot_problem(
            request,
            context=context,
            practitioners=practitioners,
            message="Choose another time below.",
            status=200,
            limit=12,
        )
    free = _free_practitioner_ids(
        consultation_type=consultation_type, start=start, practitioner=practitioner
    )
    if not free:
        return _render_slot_problem(
            request,
            context=context,
            practitioners=practitioners,
            message=services.SlotUnavailable.default_message,
        )
    return render(request, "booking/review.html", context)


@never_cache
@sensitive_post_parameters()
@require_POST
def confirm(request: HttpRequest, type_slug: str) -> HttpResponse:
    """Book the reviewed visit, then redirect to its confirmation (POST/redirect/GET)."""
    if rate_limited(
        request,
        scope="booking",
        limit=settings.BOOKING_RATE_LIMIT,
        window_seconds=settings.BOOKING_RATE_WINDOW_SECONDS,
    ):
        return _too_many_requests(request)
    consultation_type = _active_type_or_404(type_slug)
    practitioners = _practitioners_for(consultation_type)
    slot_form, problem = _slot_from(request, request.POST, consultation_type, practitioners)
    if problem is not None:
        return problem
    form = DetailsForm(request.POST)
    if not form.is_valid():
        return render(
            request, "booking/details.html", _details_context(consultation_type, slot_form, form)
        )
    data = form.cleaned_data
    if data["website"]:
        return render(request, "booking/received.html")
    context = _review_context(
        consultation_type=consultation_type,
        slot_form=slot_form,
        details_form=form,
    )
    try:
        appointment = services.appointment_book(
            consultation_type=consultation_type,
            start=slot_form.cleaned_data["start"],
            practitioner=slot_form.cleaned_data["practitioner"],
            contact=services.ContactDetails(
                full_name=data["full_name"].strip(),
                email=data["email"],
                phone=str(data["phone"]),
                date_of_birth=data["date_of_birth"],
                booked_for_someone_else=data["for_someone_else"],
                booker_name=data["booker_name"].strip(),
            ),
            intake=services.IntakeDetails(joints=data["joints"], note=data["note"].strip()),
            idempotency_key=data["submission_key"],
            reminders_enabled=data["reminders"],
            privacy_notice_version=selectors.clinic_profile_get().privacy_notice_version,
        )
    except services.SlotUnavailable as exc:
        return _render_slot_problem(
            request, context=context, practitioners=practitioners, message=exc.message
        )
    except services.BookingError as exc:
        return _render_slot_problem(
            request,
            context=context,
            practitioners=practitioners,
            message=exc.message,
            with_alternatives=False,
        )
    if appointment.contact_email.lower() != data["email"].strip().lower():
        # A submission key is only ever reused by a double-click of the same form; anything
        # else is a forged or stale form, and must not open someone else's booking.
        form.add_error(None, "This form has expired. Please check your details and try again.")
        form.data = form.data.copy()
        form.data["submission_key"] = DetailsForm().initial["submission_key"]
        return render(
            request, "booking/details.html", _details_context(consultation_type, slot_form, form)
        )
    return redirect("booking:confirmation", token=manage_token(appointment))


# --- After booking: confirmation, manage, questionnaire ------------------------------------


def _appointment_context(appointment: Appointment) -> dict:
    return {
        "appointment": appointment,
        "token": manage_token(appointment),
        "zone_label": zone_label(),
        "can_change": services.appointment_can_change_online(appointment),
        "questionnaire_open": appointment.is_open and appointment.start > timezone.now(),
    }


@never_cache
@require_GET
def confirmation(request: HttpRequest, token: str) -> HttpResponse:
    appointment = appointment_for_token(
        token,
        queryset=Appointment.objects.select_related("consultation_type", "practitioner", "intake"),
    )
    if appointment is None:
        return _link_not_found(request)
    joints = appointment.intake.joints if hasattr(appointment, "intake") else []
    context = _appointment_context(appointment)
    context["articles"] = articles_for_joints(list(joints), limit=3)
    context["step"] = 5
    return render(request, "booking/confirmation.html", context)


@never_cache
@require_GET
def manage(request: HttpRequest, token: str) -> HttpResponse:
    appointment = _appointment_or_none(token)
    if appointment is None:
        return _link_not_found(request)
    return render(request, "booking/manage.html", _appointment_context(appointment))


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def manage_cancel(request: HttpRequest, token: str) -> HttpResponse:
    appointment = _appointment_or_none(token)
    if appointment is None:
        return _link_not_found(request)
    if not services.appointment_can_change_online(appointment):
        return redirect("booking:manage", token=token)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.appointment_cancel(
                appointment=appointment, reason=form.cleaned_data["reason"].strip()
            )
        except services.BookingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Your appointment has been cancelled. We've emailed you.")
        return redirect("booking:manage", token=token)
    context = _appointment_context(appointment)
    context["form"] = form
    return render(request, "booking/cancel.html", context)


@never_cache
@require_GET
def manage_reschedule(request: HttpRequest, token: str) -> HttpResponse:
    appointment = _appointment_or_none(token)
    if appointment is None:
        return _link_not_found(request)
    if not services.appointment_can_change_online(appointment):
        return redirect("booking:manage", token=token)
    practitioners = _practitioners_for(appointment.consultation_type)
    if not request.GET.get("practitioner") and appointment.practitioner_id in {
        p.pk for p in practitioners
    }:
        # Rescheduling keeps the same clinician unless the patient picks another.
        request.GET = request.GET.copy()
        request.GET["practitioner"] = str(appointment.practitioner_id)
    context = _picker_context(
        request,
        consultation_type=appointment.consultation_type,
        practitioners=practitioners,
        base_url=reverse("booking:manage_reschedule", args=[token]),
        pick_url=reverse("booking:manage_reschedule_confirm", args=[token]),
        exclude_appointment_id=appointment.pk,
        any_allowed=False,
    )
    if isinstance(context, HttpResponse):
        return context
    context["appointment"] = appointment
    context["token"] = token
    return _render_picker(request, context)


@never_cache
@require_http_methods(["GET", "POST"])
def manage_reschedule_confirm(request: HttpRequest, token: str) -> HttpResponse:
    appointment = _appointment_or_none(token)
    if appointment is None:
        return _link_not_found(request)
    if not services.appointment_can_change_online(appointment):
        return redirect("booking:manage", token=token)
    ctype = appointment.consultation_type
    practitioners = _practitioners_for(ctype)
    data = request.GET if request.method == "GET" else request.POST
    slot_form, problem = _slot_from(request, data, ctype, practitioners)
    if problem is not None:
        return problem
    start = slot_form.cleaned_data["start"]
    practitioner = slot_form.cleaned_data["practitioner"] or appointment.practitioner
    back = reverse("booking:manage_reschedule", args=[token])
    if request.method == "POST":
        try:
            services.appointment_reschedule(
                appointment=appointment, start=start, practitioner=practitioner
            )
        except services.SlotUnavailable as exc:
            messages.error(request, exc.message)
            return redirect(back)
        except services.BookingError as exc:
            messages.error(request, exc.message)
            return redirect("booking:manage", token=token)
        messages.success(request, "Your appointment has been moved. We've emailed you the details.")
        return redirect("booking:manage", token=token)
    free = _free_practitioner_ids(
        consultation_type=ctype,
        start=start,
        practitioner=practitioner,
        exclude_appointment_id=appointment.pk,
    )
    if not free:
        return _bad_request(
            request,
            "Sorry, that time can't be booked online: it may have just been taken, or it is "
            "outside our hours. Please choose another time.",
            back_url=back,
        )
    context = _appointment_context(appointment)
    context.update(
        {
            "slot_form": slot_form,
            "new_start": start.astimezone(clinic_zone()),
            "new_practitioner": practitioner,
            "back_url": back,
        }
    )
    return render(request, "booking/reschedule_confirm.html", context)


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def questionnaire(request: HttpRequest, token: str) -> HttpResponse:
    appointment = appointment_for_token(
        token,
        queryset=Appointment.objects.select_related("consultation_type", "practitioner", "intake"),
    )
    if appointment is None:
        return _link_not_found(request)
    context = _appointment_context(appointment)
    if not context["questionnaire_open"]:
        return render(request, "booking/questionnaire.html", context)
    # Earlier answers are never shown again: a forwarded link must not reveal health details.
    intake = getattr(appointment, "intake", None)
    context["answered_at"] = intake.questionnaire_completed_at if intake else None
    form = QuestionnaireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.intake_update(appointment=appointment, answers=form.cleaned_data)
        messages.success(request, "Thank you. Your answers have been sent to your clinician.")
        return redirect("booking:manage", token=token)
    context["form"] = form
    return render(request, "booking/questionnaire.html", context)


@never_cache
@require_GET
def calendar_download(request: HttpRequest, token: str) -> HttpResponse:
    appointment = _appointment_or_none(token)
    if appointment is None:
        return _link_not_found(request)
    response = HttpResponse(appointment_ics(appointment), content_type="text/calendar")
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def lost_link(request: HttpRequest) -> HttpResponse:
    """Re-send manage links; the answer is the same whether or not the address is known."""
    form = LostLinkForm(request.POST or None)
    if request.method == "POST":
        if rate_limited(
            request,
            scope="lost-link",
            limit=settings.LOST_LINK_RATE_LIMIT,
            window_seconds=settings.LOST_LINK_RATE_WINDOW_SECONDS,
        ):
            return _too_many_requests(request)
        if form.is_valid():
            services.manage_links_resend(email=form.cleaned_data["email"])
            return render(request, "booking/lost_link.html", {"sent": True})
    return render(request, "booking/lost_link.html", {"form": form})
