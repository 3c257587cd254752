"""The clinician's calendar subscription page (make their feed's address, or a new one) and the
feed itself (public, the token is the key). The address is shown once, in the answer to the POST
that made it: only its hash is kept. The manager sees any practitioner's feed and decides
whether its events carry the patient's initials."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from booking.backoffice.views_common import admin_context, practitioner_id_from, require
from booking.models import Practitioner
from booking.scheduling.calendar_feed import (
    calendar_feed_current,
    calendar_feed_ics,
    calendar_feed_renew,
    calendar_feed_set_initials,
)

MANAGE_ANY = "booking.change_practitioner"


def _practitioner(request: HttpRequest) -> Practitioner | None:
    if request.user.has_perm(MANAGE_ANY):
        pid = practitioner_id_from(request)
        qs = Practitioner.objects.filter(active=True).order_by("display_name", "pk")
        return (
            qs.filter(pk=pid).first()
            if pid is not None
            else qs.filter(user=request.user).first() or qs.first()
        )
    return Practitioner.objects.filter(user=request.user, active=True).first()


def calendar_feed_page(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    require(request, model_admin.has_view_permission(request))
    practitioner = _practitioner(request)
    is_manager = request.user.has_perm(MANAGE_ANY)
    feed = calendar_feed_current(practitioner=practitioner) if practitioner else None
    feed_url = ""
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "renew" and practitioner is not None:
        # Answered here, not redirected: the address exists only in this response.
        feed, token = calendar_feed_renew(practitioner=practitioner, acting_user=request.user)
        feed_url = request.build_absolute_uri(reverse("booking:calendar_feed", args=[token]))
    elif request.method == "POST":
        if action == "initials" and is_manager and feed is not None:
            calendar_feed_set_initials(feed=feed, show_initials=bool(request.POST.get("show")))
            messages.success(request, "Saved.")
        return HttpResponseRedirect(request.get_full_path())
    response = TemplateResponse(
        request,
        "admin/booking/calendar_feed.html",
        admin_context(
            request,
            model_admin,
            "Calendar subscription",
            practitioner=practitioner,
            feed=feed,
            feed_url=feed_url,
            is_manager=is_manager,
            all_practitioners=(
                Practitioner.objects.filter(active=True).order_by("display_name")
                if is_manager
                else []
            ),
        ),
    )
    if feed_url:
        response["Cache-Control"] = "no-store"  # the one copy of the address: never cached
    return response


@require_GET
def calendar_feed_serve(request: HttpRequest, token: str) -> HttpResponse:
    """The subscription itself; an unknown or revoked address is a plain 404."""
    body = calendar_feed_ics(token=token)
    if body is None:
        raise Http404
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    response["Content-Disposition"] = 'inline; filename="clinic-visits.ics"'
    return response
