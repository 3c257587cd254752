"""The booking steps after a time is chosen: details, review and confirm.

No accounts and nothing health-related in the session: the chosen slot travels as GET/POST
parameters, the typed details as hidden fields of the review step.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from booking.journey.common import (
    active_type_or_404,
    bad_request,
    practitioners_for,
    too_many_requests,
    url_with,
    zone_label,
)
from booking.journey.forms import ANY, FORM_EXPIRED, TIME_NOT_BOOKABLE, DetailsForm, SlotForm
from booking.journey.picker import TimeChoice, free_practitioner_ids
from booking.journey.ratelimit import rate_limited
from booking.links.tokens import manage_token
from booking.messaging.sms.consent import SMS_CONSENT_VERSION
from booking.models import ConsultationType, Joint, Practitioner
from booking.patients.identity import ContactDetails
from booking.patients.intake import IntakeDetails
from booking.profile import clinic_profile_get
from booking.scheduling.booking import appointment_book
from booking.scheduling.clock import clinic_zone
from booking.scheduling.errors import BookingError, SlotUnavailable
from booking.scheduling.selectors import available_slots, booking_window
from clinic.language import language_switch_requested, redisplay


def slot_from(
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
    return slot_form, bad_request(
        request, _("That appointment time is not valid. Please choose a time again."), back_url=back
    )


def _alternatives(
    *,
    consultation_type: ConsultationType,
    start: datetime,
    practitioner: Practitioner | None,
    names: dict[int, str],
    limit: int = 4,
    on_day: date | None = None,
) -> list[TimeChoice]:
    """The nearest free times to the one that was taken: same practitioner first, then anyone.

    With `on_day` (the patient asked for another day on the review page), that day's free times.
    """
    tz = clinic_zone()
    if on_day is not None:
        window_first, window_last = booking_window(
            consultation_type=consultation_type, profile=clinic_profile_get()
        )
        if not window_first <= on_day <= window_last:
            return []
    day = max(on_day or start.astimezone(tz).date(), timezone.localdate())
    slots = available_slots(
        consultation_type=consultation_type,
        first_day=day,
        last_day=day if on_day else day + timedelta(days=7),
    )
    candidates = [slot for day_slots in slots.values() for slot in day_slots]
    wanted = practitioner.pk if practitioner else None
    candidates.sort(key=lambda s: abs((s.start - start).total_seconds()))
    if on_day is not None:
        # The whole day, in order, whoever is free: the patient chose the day, not a clinician.
        candidates.sort(key=lambda s: (s.start, s.practitioner_id != wanted))
        ordered = candidates
    elif wanted is None:
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
    on_day: date | None = None,
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
            on_day=on_day,
        )
        context["offer_days"] = True
        context["alternatives_day"] = on_day
        context["today"] = timezone.localdate()
    return render(request, "booking/review.html", context, status=status)


# A hidden field of the review page's form: a language switch posted from it asks for the review.
REVIEW_FIELD = "reviewed"


def _details_context(
    consultation_type: ConsultationType, slot_form: SlotForm, form: DetailsForm
) -> dict:
    start = slot_form.cleaned_data["start"].astimezone(clinic_zone())
    practitioner = slot_form.cleaned_data["practitioner"]
    return {
        "step": 3,
        # The language switch re-posts this form (what was typed) to the other language.
        "language_switch_form": "booking-form",
        "consultation_type": consultation_type,
        "slot_form": slot_form,
        "form": form,
        "start": start,
        "end": start + consultation_type.duration,
        "practitioner": practitioner,
        "zone_label": zone_label(),
        "change_time_url": url_with(
            reverse("booking:choose_time", args=[consultation_type.slug]),
            date=start.date().isoformat(),
            practitioner=str(practitioner.pk) if practitioner else "",
        ),
    }


def _day_or_none(value: str) -> date | None:
    """The day typed in the review page's day chooser; anything unreadable shows the nearest."""
    try:
        return date.fromisoformat(value.strip()[:10]) if value.strip() else None
    except ValueError:
        return None


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
    consultation_type = active_type_or_404(type_slug)
    practitioners = practitioners_for(consultation_type)
    data = request.GET if request.method == "GET" else _with_chosen_alternative(request.POST)
    slot_form, problem = slot_from(request, data, consultation_type, practitioners)
    if problem is not None:
        return problem
    start = slot_form.cleaned_data["start"]
    practitioner = slot_form.cleaned_data["practitioner"]

    switching = language_switch_requested(request)
    # The switch on the review page shows the same review in the other language (the review
    # books nothing: only its Confirm button posts to `confirm`); elsewhere, the details again.
    switching_on_details = switching and REVIEW_FIELD not in request.POST
    if request.method == "GET" or "edit" in request.POST or switching_on_details:
        form = DetailsForm(request.POST) if request.method == "POST" else DetailsForm()
        if switching_on_details:
            redisplay(form)
        free = free_practitioner_ids(
            consultation_type=consultation_type, start=start, practitioner=practitioner
        )
        if not free:
            return bad_request(
                request,
                TIME_NOT_BOOKABLE,
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
        # Offered on the review page: other times nearby, or on any day the patient names,
        # without retyping anything (the details travel on as hidden fields).
        on_day = _day_or_none(request.POST.get("alt_day", ""))
        return _render_slot_problem(
            request,
            context=context,
            practitioners=practitioners,
            message=_("Choose another time below, or look at another day."),
            status=200,
            limit=40 if on_day else 12,
            on_day=on_day,
        )
    free = free_practitioner_ids(
        consultation_type=consultation_type, start=start, practitioner=practitioner
    )
    if not free:
        return _render_slot_problem(
            request,
            context=context,
            practitioners=practitioners,
            message=SlotUnavailable.default_message,
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
        return too_many_requests(request)
    consultation_type = active_type_or_404(type_slug)
    practitioners = practitioners_for(consultation_type)
    slot_form, problem = slot_from(request, request.POST, consultation_type, practitioners)
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
        appointment = appointment_book(
            consultation_type=consultation_type,
            start=slot_form.cleaned_data["start"],
            practitioner=slot_form.cleaned_data["practitioner"],
            contact=ContactDetails(
                full_name=data["full_name"].strip(),
                email=data["email"],
                phone=str(data["phone"]),
                date_of_birth=data["date_of_birth"],
                booked_for_someone_else=data["for_someone_else"],
                booker_name=data["booker_name"].strip(),
                language=translation.get_language(),
            ),
            intake=IntakeDetails(joints=data["joints"], note=data["note"].strip()),
            idempotency_key=data["submission_key"],
            reminders_enabled=data["reminders"],
            privacy_notice_version=clinic_profile_get().privacy_notice_version,
            sms_consent_version=SMS_CONSENT_VERSION if data["texts"] else "",
        )
    except SlotUnavailable as exc:
        return _render_slot_problem(
            request, context=context, practitioners=practitioners, message=exc.message
        )
    except BookingError as exc:
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
        form.add_error(None, FORM_EXPIRED)
        form.data = form.data.copy()
        form.data["submission_key"] = DetailsForm().initial["submission_key"]
        return render(
            request, "booking/details.html", _details_context(consultation_type, slot_form, form)
        )
    return redirect("booking:confirmation", token=manage_token(appointment))
