"""The patient's waitlist pages: join (from the time picker, or from a booked visit's link),
confirm, see / change / leave an entry, and take an offer. No account: the entry's private link
("w") is the key.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from booking.journey.common import (
    active_type_or_404,
    appointment_opened,
    link_expired_page,
    link_not_found,
    too_many_requests,
    zone_label,
)
from booking.journey.ratelimit import rate_limited
from booking.journey.waitlist_forms import JoinForm, WishesForm
from booking.links.tokens import link_expired, manage_token
from booking.models import WaitlistEntry
from booking.patients.identity import ContactDetails
from booking.scheduling.errors import BookingError
from booking.waitlist.entries import (
    waitlist_entry_change,
    waitlist_entry_confirm,
    waitlist_entry_create,
    waitlist_entry_leave,
)
from booking.waitlist.links import ENTRY, entry_for_token, entry_token
from booking.waitlist.take import offer_check, offer_for_entry, offer_take
from clinic.language import language_switch_requested, redisplay

_ENTRIES = WaitlistEntry.objects.select_related("consultation_type", "practitioner", "appointment")


def _entry_opened(request: HttpRequest, token: str):
    entry = entry_for_token(token, queryset=_ENTRIES)
    if entry is None:
        return None, link_not_found(request)
    if link_expired(entry, prefix=ENTRY, now=timezone.now()):
        return None, link_expired_page(request)
    return entry, None


def _join(request: HttpRequest, *, consultation_type, appointment=None) -> HttpResponse:
    form_class = WishesForm if appointment is not None else JoinForm
    form = form_class(request.POST or None, consultation_type=consultation_type)
    if appointment is not None and not request.POST:
        # Something earlier than the visit already booked.
        form.fields["latest_date"].initial = timezone.localdate(appointment.start)
    error = ""
    switching = language_switch_requested(request)
    if switching:
        # The same form in the other language, as typed: nobody joins, no email goes.
        redisplay(form)
    elif request.method == "POST":
        if rate_limited(request, scope="waitlist-join", limit=20, window_seconds=3600):
            return too_many_requests(request)
        if form.is_valid():
            data = form.cleaned_data
            contact = (
                None
                if appointment is not None
                else ContactDetails(
                    full_name=data["full_name"],
                    email=data["email"],
                    phone=str(data.get("phone") or ""),
                    language=translation.get_language(),
                )
            )
            try:
                entry = waitlist_entry_create(
                    wishes=form.wishes(),
                    contact=contact,
                    appointment=appointment,
                    language=translation.get_language(),
                )
            except BookingError as exc:
                error = exc.message
            else:
                return render(request, "booking/waitlist/joined.html", {"entry": entry}, status=201)
    return render(
        request,
        "booking/waitlist/join.html",
        {
            "form": form,
            "consultation_type": consultation_type,
            "error": error,
            "appointment": appointment,
            "language_switch_form": "waitlist-join-form",
        },
        status=400 if request.method == "POST" and not switching else 200,
    )


@never_cache
@sensitive_post_parameters("full_name", "email", "phone")
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, type_slug: str) -> HttpResponse:
    return _join(request, consultation_type=active_type_or_404(type_slug))


@never_cache
@require_http_methods(["GET", "POST"])
def join_booked(request: HttpRequest, token: str) -> HttpResponse:
    """From a booked visit's private link: wait for something earlier."""
    appointment, problem = appointment_opened(request, token)
    if problem:
        return problem
    if not appointment.is_open or appointment.start <= timezone.now():
        raise Http404
    return _join(request, consultation_type=appointment.consultation_type, appointment=appointment)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """A page with a button, not a GET that confirms: mail scanners open links too."""
    entry, problem = _entry_opened(request, token)
    if problem:
        return problem
    if request.method == "POST" and not language_switch_requested(request):
        try:
            waitlist_entry_confirm(entry=entry)
        except BookingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("You are on the waitlist. We will email you if a time frees up.")
            )
        return redirect("booking:waitlist_manage", token)
    context = {"entry": entry, "token": token}
    if entry.status == WaitlistEntry.Status.PENDING:
        context["language_switch_form"] = "waitlist-confirm-form"
    return render(request, "booking/waitlist/confirm.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    entry, problem = _entry_opened(request, token)
    if problem:
        return problem
    is_open = entry.status in (WaitlistEntry.Status.PENDING, WaitlistEntry.Status.ACTIVE)
    form = WishesForm(
        request.POST or None,
        consultation_type=entry.consultation_type,
        initial=WishesForm.initial_from(entry),
    )
    switching = language_switch_requested(request)
    if switching:
        # What was typed comes back in the other language; the entry is not changed.
        redisplay(form)
    elif request.method == "POST" and is_open and form.is_valid():
        try:
            waitlist_entry_change(entry=entry, wishes=form.wishes())
        except BookingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your waitlist entry is changed."))
        return redirect("booking:waitlist_manage", token)
    return render(
        request,
        "booking/waitlist/manage.html",
        {
            "entry": entry,
            "token": token,
            "form": form,
            "is_open": is_open,
            # Only an open entry shows the form the switch re-posts.
            "language_switch_form": "waitlist-wishes-form" if is_open else "",
        },
        status=400 if request.method == "POST" and not switching else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, token: str) -> HttpResponse:
    """Leave (a POST from the entry's page). A GET, or a language switch that lands here, only
    shows the entry's page: leaving is never a side effect of reading or switching."""
    entry, problem = _entry_opened(request, token)
    if problem:
        return problem
    if request.method != "POST" or language_switch_requested(request):
        return redirect("booking:waitlist_manage", token)
    waitlist_entry_leave(entry=entry)
    messages.success(request, _("You have left the waitlist."))
    return redirect("booking:waitlist_manage", token)


@never_cache
@require_http_methods(["GET", "POST"])
def offer(request: HttpRequest, token: str, offer_id: int) -> HttpResponse:
    entry, problem = _entry_opened(request, token)
    if problem:
        return problem
    found = offer_for_entry(entry=entry, offer_id=offer_id)
    if found is None:
        return link_not_found(request)
    error = ""
    switching = language_switch_requested(request)
    if request.method == "POST" and not switching:
        try:
            appointment = offer_take(entry=entry, offer=found)
        except BookingError as exc:
            error = exc.message
        else:
            return redirect("booking:confirmation", manage_token(appointment))
    elif found.status != found.Status.TAKEN:
        # The page as a GET shows it (also after a language switch): is the offer still open?
        try:
            offer_check(found, now=timezone.now())
        except BookingError as exc:
            error = exc.message
    return render(
        request,
        "booking/waitlist/offer.html",
        {
            "entry": entry,
            "offer": found,
            "hold": found.hold,
            "token": entry_token(entry),
            "error": error,
            "zone_label": zone_label(),
            "manage_url": reverse("booking:waitlist_manage", args=[token]),
            # The "take this time" form is shown only while the offer stands.
            "language_switch_form": ""
            if error or found.status == found.Status.TAKEN
            else "waitlist-offer-form",
        },
        status=409 if error and request.method == "POST" and not switching else 200,
    )
