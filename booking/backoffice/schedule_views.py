"""The schedule pages staff work from: day, week and the printable day list."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.admin import ModelAdmin
from django.http import (
    HttpRequest,
    HttpResponse,
)
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import urlencode

from booking.backoffice.views_common import admin_context, day_from, practitioner_id_from, require
from booking.models import OutboundMessage
from booking.scheduling.staff_schedule import (
    day_list_appointments,
    schedule_practitioners,
    staff_schedule,
)


def _schedule_filters(request: HttpRequest, day: date) -> dict:
    all_practitioners = schedule_practitioners(user=request.user)
    practitioner_id = practitioner_id_from(request)
    shown = [p for p in all_practitioners if practitioner_id in (None, p.pk)]
    return {
        "day": day,
        "today": timezone.localdate(),
        "all_practitioners": all_practitioners,
        "practitioner_id": practitioner_id,
        "practitioners": shown,
        "can_see_all": request.user.has_perm("booking.view_all_schedules"),
    }


def _nav(request: HttpRequest, day: date, step: int) -> dict:
    def link(d: date) -> str:
        query = {"date": d.isoformat()}
        if request.GET.get("practitioner"):
            query["practitioner"] = request.GET["practitioner"]
        return "?" + urlencode(query)

    return {
        "prev_link": link(day - timedelta(days=step)),
        "next_link": link(day + timedelta(days=step)),
        "today_link": link(timezone.localdate()),
    }


def schedule_day(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    """One day, one column per practitioner (a clinician: only theirs); today by default."""
    require(request, model_admin.has_view_permission(request))
    day = day_from(request)
    filters = _schedule_filters(request, day)
    days = staff_schedule(first_day=day, last_day=day, practitioners=filters["practitioners"])
    return TemplateResponse(
        request,
        "admin/booking/schedule_day.html",
        admin_context(
            request,
            model_admin,
            f"Schedule for {day:%A %d %B %Y}",
            schedule=days[0],
            here=request.get_full_path(),
            failed_message_count=_failed_message_count(request),
            **filters,
            **_nav(request, day, 1),
        ),
    )


def _failed_message_count(request: HttpRequest) -> int:
    if not request.user.has_perm("booking.view_outboundmessage"):
        return 0
    return OutboundMessage.objects.filter(status=OutboundMessage.Status.FAILED).count()


def schedule_week(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    """Monday to Sunday around the chosen date, one column per practitioner."""
    require(request, model_admin.has_view_permission(request))
    day = day_from(request)
    monday = day - timedelta(days=day.weekday())
    filters = _schedule_filters(request, day)
    days = staff_schedule(
        first_day=monday,
        last_day=monday + timedelta(days=6),
        practitioners=filters["practitioners"],
    )
    return TemplateResponse(
        request,
        "admin/booking/schedule_week.html",
        admin_context(
            request,
            model_admin,
            f"Week of {monday:%d %B %Y}",
            days=days,
            monday=monday,
            **filters,
            **_nav(request, monday, 7),
        ),
    )


def schedule_print(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    """The front desk's printable list of the day's visits (no health details)."""
    require(request, model_admin.has_view_permission(request))
    day = day_from(request)
    filters = _schedule_filters(request, day)
    appointments = day_list_appointments(day=day, practitioners=filters["practitioners"])
    return TemplateResponse(
        request,
        "admin/booking/schedule_print.html",
        admin_context(
            request,
            model_admin,
            f"Day list for {day:%A %d %B %Y}",
            appointments=appointments,
            **filters,
            **_nav(request, day, 1),
        ),
    )
