"""Helpers shared by the patient pages: error pages, token look-up, URL building."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.links.tokens import APPOINTMENT, appointment_for_token, link_expired
from booking.models import Appointment, ConsultationType, Practitioner
from booking.scheduling.selectors import (
    consultation_type_public_get,
    practitioner_list_offering,
)

# Friendly names for the zones US clinics are in; anything else is shown by its IANA name.
# Lazy: read in the language of the page that shows them.
ZONE_LABELS = {
    "America/New_York": _("Eastern Time"),
    "America/Detroit": _("Eastern Time"),
    "America/Chicago": _("Central Time"),
    "America/Denver": _("Mountain Time"),
    "America/Phoenix": _("Mountain Time (Arizona)"),
    "America/Los_Angeles": _("Pacific Time"),
    "America/Anchorage": _("Alaska Time"),
    "Pacific/Honolulu": _("Hawaii Time"),
}


def zone_label() -> str:
    return str(ZONE_LABELS.get(settings.TIME_ZONE, settings.TIME_ZONE.replace("_", " ")))


def bad_request(request: HttpRequest, message: str, *, back_url: str = "") -> HttpResponse:
    """A 400 page saying what was wrong (`message`, already translated) and where to go back."""
    return render(
        request,
        "booking/bad_request.html",
        {"message": message, "back_url": back_url or reverse("booking:start")},
        status=400,
    )


def link_not_found(request: HttpRequest) -> HttpResponse:
    """One page for every unknown, tampered or revoked manage link: it reveals nothing."""
    return render(request, "booking/link_invalid.html", status=404)


def too_many_requests(request: HttpRequest) -> HttpResponse:
    return render(request, "429.html", status=429)


def link_expired_page(request: HttpRequest) -> HttpResponse:
    """A genuine link past its time (ClinicProfile.private_link_days after the visit)."""
    return render(request, "booking/link_expired.html", status=410)


def appointment_opened(
    request: HttpRequest, token: str, *, queryset=None
) -> tuple[Appointment | None, HttpResponse | None]:
    """The appointment a private link opens, or the page to show instead (not found, expired)."""
    if queryset is None:
        queryset = Appointment.objects.select_related("consultation_type", "practitioner")
    appointment = appointment_for_token(token, queryset=queryset)
    if appointment is None:
        return None, link_not_found(request)
    if link_expired(appointment, prefix=APPOINTMENT, now=timezone.now()):
        return None, link_expired_page(request)
    return appointment, None


def practitioners_for(consultation_type: ConsultationType) -> list[Practitioner]:
    return practitioner_list_offering(consultation_type)


def active_type_or_404(type_slug: str) -> ConsultationType:
    consultation_type = consultation_type_public_get(type_slug)
    if consultation_type is None:
        raise Http404("No such consultation type.")
    return consultation_type


def url_with(base: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{base}?{query}" if query else base
