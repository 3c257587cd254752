"""Absolute links for emails and calendar files (built outside any request)."""

from django.conf import settings
from django.urls import reverse

from booking.links.short import short_path_for
from booking.links.tokens import APPOINTMENT, manage_token
from booking.models import Appointment


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def manage_url(appointment: Appointment) -> str:
    return absolute(reverse("booking:manage", args=[manage_token(appointment)]))


def questionnaire_url(appointment: Appointment) -> str:
    return absolute(reverse("booking:questionnaire", args=[manage_token(appointment)]))


def short_manage_url(appointment: Appointment) -> str:
    """The manage link for a text message: /m/<16 characters>, redirecting to the manage page."""
    return absolute(short_path_for(appointment, prefix=APPOINTMENT))
