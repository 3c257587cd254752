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


def admin_context(request: HttpRequest, model_admin: ModelAdmin, title: str, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        **extra,
    }


def day_from(request: HttpRequest) -> date:
    raw = request.GET.get("date", "")
    if not raw:
        return timezone.localdate()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        messages.warning(request, f"“{raw}” is not a date (use YYYY-MM-DD); showing today.")
        return timezone.localdate()


def practitioner_id_from(request: HttpRequest) -> int | None:
    raw = request.GET.get("practitioner", "")
    return int(raw) if raw.isdigit() else None


def require(request: HttpRequest, allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied
