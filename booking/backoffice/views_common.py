"""Helpers shared by the back office's own pages (mounted by AppointmentAdmin.get_urls())."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
)
from django.utils import timezone

from booking.scheduling.inputs import STAFF_REACH, parse_date, parse_id


def admin_context(request: HttpRequest, model_admin: ModelAdmin, title: str, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        **extra,
    }


def day_from(request: HttpRequest) -> date:
    """?date= as a day within STAFF_REACH of today (the views add and subtract days from it,
    which overflows near years 1 and 9999), else today with a message."""
    raw = request.GET.get("date", "")
    today = timezone.localdate()
    if not raw:
        return today
    day = parse_date(raw, today=today, reach=STAFF_REACH)
    if day is None:
        messages.warning(
            request,
            f"“{raw[:40]}” is not a date we can show (use YYYY-MM-DD, within ten years of "
            "today); showing today.",
        )
        return today
    return day


def practitioner_id_from(request: HttpRequest) -> int | None:
    return parse_id(request.GET.get("practitioner", ""))


def require(request: HttpRequest, allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied
