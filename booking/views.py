"""The patient booking journey (to be completed)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from booking import selectors
from booking.models import ConsultationType


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "booking/start.html",
        {"consultation_types": selectors.consultation_type_list_active()},
    )


@require_GET
def choose_time(request: HttpRequest, type_slug: str) -> HttpResponse:
    consultation_type = get_object_or_404(ConsultationType.objects.active(), slug=type_slug)
    return render(request, "booking/choose_time.html", {"consultation_type": consultation_type})


def manage(request: HttpRequest, token: str) -> HttpResponse:
    raise NotImplementedError


def questionnaire(request: HttpRequest, token: str) -> HttpResponse:
    raise NotImplementedError


def calendar_download(request: HttpRequest, token: str) -> HttpResponse:
    raise NotImplementedError


def lost_link(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError
