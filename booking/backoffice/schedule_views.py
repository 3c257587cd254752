"""The schedule pages staff work from: day, week and the printable day list."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.admin import ModelAdmin
from django.db.models import Count, Q
from django.http import (
    HttpRequest,
    HttpResponse,
)
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import urlencode

from booking.backoffice.frontdesk_grid import (
    appointment_move_from_panel,
    appointment_panel_context,
    day_grid,
    grid_extras,
    today_message,
    week_grid,
)
from booking.backoffice.grid_html import grid_table
from booking.backoffice.views_common import admin_context, day_from, practitioner_id_from, require
from booking.models import Appointment, OutboundMessage
from booking.models.messages import UNDELIVERED_STATUSES
from booking.scheduling.frontdesk import next_working_day
from booking.scheduling.staff_schedule import (
    day_list_appointments,
    schedule_practitioners,
    staff_schedule,
)


def _practitioners_shown(request: HttpRequest) -> tuple[list, int | None, list]:
    all_practitioners = schedule_practitioners(user=request.user)
    practitioner_id = practitioner_id_from(request)
    shown = [p for p in all_practitioners if practitioner_id in (None, p.pk)]
    return all_practitioners, practitioner_id, shown


def _day_or_next_working(request: HttpRequest, shown: list) -> date:
    """?date= as given; without one ("Today"), today or, on a closed day, the next working day
    (a Sunday opens Monday instead of columns of "not working")."""
    if request.GET.get("date"):
        return day_from(request)
    today = timezone.localdate()
    day = next_working_day(start=today, practitioners=shown)
    if day != today:
        today_message(request, today=today, day=day)
    return day


def _schedule_filters(request: HttpRequest, day: date, chosen=None) -> dict:
    all_practitioners, practitioner_id, shown = chosen or _practitioners_shown(request)
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
        # No date: the view opens today, or the next working day when today is closed.
        "today_link": "?"
        + urlencode({k: v for k, v in request.GET.items() if k == "practitioner"}),
    }


def schedule_day(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    """One day, one column per practitioner (a clinician: only theirs); today by default. A POST
    is the side panel's move form: done, it redirects; refused, the day shows the panel again."""
    require(request, model_admin.has_view_permission(request))
    if request.method == "POST":
        panel = appointment_move_from_panel(request, model_admin)
        if isinstance(panel, HttpResponse):
            return panel
    else:
        panel = appointment_panel_context(request, model_admin)
    chosen = _practitioners_shown(request)
    day = _day_or_next_working(request, chosen[2])
    filters = _schedule_filters(request, day, chosen)
    if request.htmx and panel is not None:
        # The side panel alone, swapped in place (the same URL without JavaScript renders the
        # whole day with the panel open).
        return TemplateResponse(request, "admin/booking/_panel.html", {**panel, "request": request})
    days = staff_schedule(first_day=day, last_day=day, practitioners=filters["practitioners"])
    grid = day_grid(days[0])
    extras = grid_extras(request, grid)  # before the table: it fills the cells' links and notes
    return TemplateResponse(
        request,
        "admin/booking/schedule_day.html",
        admin_context(
            request,
            model_admin,
            f"Schedule for {day:%A %d %B %Y}",
            schedule=days[0],
            grid=grid,
            panel=panel,
            here=request.get_full_path(),
            grid_html=grid_table(grid, caption="Schedule for the day"),
            **_message_trouble(request),
            **extras,
            **filters,
            **_nav(request, day, 1),
        ),
    )


# The day view warns of recent trouble only: counting every failure ever read more rows every
# year (9,455 at three years of a 50-practitioner clinic). The (status, scheduled_for) index
# keeps this to the window; older failures stay in the ledger's own list.
FAILED_MESSAGES_DAYS = 14


def _message_trouble(request: HttpRequest) -> dict:
    """Messages due in the last FAILED_MESSAGES_DAYS days that failed (with the ledger's list of
    them), and texts the carrier could not deliver for visits still to come (so reception can
    phone those patients), in one query over the window."""
    if not request.user.has_perm("booking.view_outboundmessage"):
        return {"failed_message_count": 0, "undelivered_text_count": 0}
    since = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
        days=FAILED_MESSAGES_DAYS
    )
    failed = OutboundMessage.Status.FAILED
    # Only the rows either count can take: the failed ones through the (status, scheduled_for)
    # index, the undelivered through their own (a bitmap OR). All the window's messages grow
    # with the clinic (13,000 rows at 50 practitioners, most of them reminders to come).
    counts = OutboundMessage.objects.filter(
        Q(status=failed) | Q(delivery_status__in=UNDELIVERED_STATUSES), scheduled_for__gte=since
    ).aggregate(
        failed_message_count=Count("pk", filter=Q(status=failed)),
        undelivered_text_count=Count(
            "pk",
            filter=Q(
                delivery_status__in=UNDELIVERED_STATUSES,
                appointment__start__gte=timezone.now(),
                appointment__status=Appointment.Status.CONFIRMED,
            ),
        ),
    )
    return {
        **counts,
        "failed_messages_days": FAILED_MESSAGES_DAYS,
        "failed_messages_query": urlencode(
            {"status__exact": failed.value, "scheduled_for__gte": since.isoformat()}
        ),
    }


def schedule_week(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    """Monday to Sunday around the chosen date for one practitioner, one column per day."""
    require(request, model_admin.has_view_permission(request))
    chosen = _practitioners_shown(request)
    day = _day_or_next_working(request, chosen[2])
    monday = day - timedelta(days=day.weekday())
    filters = _schedule_filters(request, day, chosen)
    # One practitioner a week: the chosen one, else the first shown (a clinician: themselves).
    practitioner = filters["practitioners"][0] if filters["practitioners"] else None
    days = staff_schedule(
        first_day=monday,
        last_day=monday + timedelta(days=6),
        practitioners=[practitioner] if practitioner else [],
    )
    grid = week_grid(days, practitioner) if practitioner else None
    extras = grid_extras(request, grid) if grid else {}
    return TemplateResponse(
        request,
        "admin/booking/schedule_week.html",
        admin_context(
            request,
            model_admin,
            f"Week of {monday:%d %B %Y}"
            + (f", {practitioner.display_name}" if practitioner else ""),
            days=days,
            grid=grid,
            week_practitioner=practitioner,
            monday=monday,
            here=request.get_full_path(),
            grid_html=grid_table(grid, caption="Week schedule") if grid else "",
            **extras,
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
