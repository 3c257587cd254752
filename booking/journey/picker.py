"""The first booking steps: choose a consultation type, then a time in the picker."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape as html_escape
from urllib.parse import quote_plus

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from booking import catalogue
from booking.journey.common import (
    active_type_or_404,
    bad_request,
    practitioners_for,
    url_with,
    zone_label,
)
from booking.journey.forms import ANY, PickerForm
from booking.journey.picker_parts import (
    GRID_WEEKDAYS,
    picker_intro,
    practitioner_filter,
    weekday_header,
)
from booking.models import ConsultationType, Practitioner
from booking.profile import clinic_profile_get
from booking.scheduling.clock import clinic_zone
from booking.scheduling.selectors import (
    available_slots,
    consultation_type_list_public,
    picker_availability,
)
from booking.scheduling.slots import merge_any_practitioner
from clinic import dates

DAY_PARTS = (
    ("morning", pgettext_lazy("part of the day", "Morning")),
    ("afternoon", pgettext_lazy("part of the day", "Afternoon")),
    ("evening", pgettext_lazy("part of the day", "Evening")),
)


def free_practitioner_ids(
    *,
    consultation_type: ConsultationType,
    start: datetime,
    practitioner: Practitioner | None,
    exclude_appointment_id: int | None = None,
) -> list[int]:
    """Who is free at exactly this start, by the same rules the booking service applies."""
    day = start.astimezone(clinic_zone()).date()
    slots = available_slots(
        consultation_type=consultation_type,
        first_day=day,
        last_day=day,
        practitioner_id=practitioner.pk if practitioner else None,
        exclude_appointment_id=exclude_appointment_id,
    )
    return [slot.practitioner_id for slot in slots.get(day, []) if slot.start == start]


@dataclass(frozen=True)
class TimeChoice:
    start: datetime
    end: datetime
    practitioner_param: str
    practitioner_names: str
    url: str = ""
    # The visit being rescheduled sits here: shown, labelled, but not offered.
    is_current: bool = False
    # The time as shown ("9:30 AM"), when the page lists many.
    label: str = ""


def month_rows(
    month: date, bookable: frozenset[date], chosen: date | None, day_url: Callable[[date], str]
) -> SafeString:
    """The month grid's rows: a link for each bookable day (the chosen one marked), the number
    of each other day of the month, an empty cell for the neighbouring months' days.

    Built here rather than in _picker.html: the grid's 35 to 42 cells of tags, filters and
    localised numbers were a third of the time picker's rendering."""
    # Outside the f-string: xgettext does not read gettext calls inside one.
    no_times = html_escape(_("(no times)"))
    closed = f'<span class="visually-hidden"> {no_times}</span></span></td>'
    day_label = dates.day_formatter("day")
    rows = []
    for week in calendar.Calendar(firstweekday=GRID_WEEKDAYS[0]).monthdatescalendar(
        month.year, month.month
    ):
        cells = []
        for day in week:
            if day.month != month.month:
                cells.append("<td></td>")
            elif day in bookable:
                label, url = day_label(day), html_escape(day_url(day))
                selected, current = "", ""
                if day == chosen:
                    label = _("%(day)s, selected") % {"day": label}
                    selected, current = " day-selected", ' aria-current="date"'
                cells.append(
                    f'<td><a class="day day-open{selected}" href="{url}" hx-get="{url}" '
                    f'data-focus-after="times-heading"{current} aria-label="{html_escape(label)}">'
                    f"{day.day}</a></td>"
                )
            else:
                cells.append(f'<td><span class="day day-closed">{day.day}{closed}')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return SafeString("\n".join(rows))


def _day_part(moment: datetime, tz) -> str:
    # compute_slots' times are already in the clinic's zone: no conversion for them.
    local = moment if moment.tzinfo is tz else moment.astimezone(tz)
    if local.hour < 12:
        return "morning"
    return "afternoon" if local.hour < 17 else "evening"


def time_list(
    times: list[tuple[datetime, datetime, list[int]]],
    *,
    names: dict[int, str],
    pick_url: str,
    one_practitioner: bool,
    any_allowed: bool,
    current: tuple[datetime, int] | None,
) -> SafeString:
    """The chosen day's times, by part of the day: a heading and a list of links for each part
    that has any (the visit being rescheduled shown, not offered); "" for none.

    Built here rather than in _picker.html, as month_rows is: the loop's tags, filters and
    translations per time were the largest part of the picker's rendering after the month."""
    tz = clinic_zone()
    clock = dates.clock_formatter()
    current_label = html_escape(_("your current time"))
    groups: dict[str, list[str]] = {key: [] for key, _label in DAY_PARTS}
    for start, _end, pids in times:
        param = str(pids[0]) if (one_practitioner or not any_allowed) else ANY
        label = html_escape(clock(start))
        if current is not None and (start, int(param) if param != ANY else None) == current:
            item = (
                '<li><span class="btn btn-secondary pe-none time-current" aria-current="true">'
                f'{label} <span class="small">({current_label})</span></span></li>'
            )
        else:
            # url_with's encoding (urlencode: quote_plus), without building a dict per time.
            url = html_escape(
                f"{pick_url}?start={quote_plus(start.isoformat())}&practitioner={param}"
            )
            who = ""
            if one_practitioner and names.get(pids[0]):
                with_name = _("with %(name)s") % {"name": html_escape(names[pids[0]])}
                who = f'<span class="visually-hidden"> {with_name}</span>'
            item = (
                f'<li><a class="btn btn-outline-primary time-choice" href="{url}">'
                f"{label}{who}</a></li>"
            )
        groups[_day_part(start, tz)].append(item)
    html = [
        f'<h3 class="h6 mt-3">{html_escape(str(label))}</h3>\n'
        f'<ul class="list-unstyled time-list">\n{"\n".join(groups[key])}\n</ul>'
        for key, label in DAY_PARTS
        if groups[key]
    ]
    return SafeString("\n".join(html))


def picker_context(
    request: HttpRequest,
    *,
    consultation_type: ConsultationType,
    practitioners: list[Practitioner],
    base_url: str,
    pick_url: str,
    exclude_appointment_id: int | None = None,
    any_allowed: bool = True,
    current: tuple[datetime, int] | None = None,
) -> dict | HttpResponse:
    """The month grid, the day's times and the next free time, or a 4xx for bad parameters.

    `current` (rescheduling) is the visit's own start and practitioner: that time is shown as
    the current one, never offered as a new time.
    """
    form = PickerForm(request.GET, practitioners=practitioners)
    if not form.is_valid():
        if "practitioner" in form.errors:
            return render(request, "booking/link_invalid.html", {"not_found": True}, status=404)
        return bad_request(
            request,
            _("That month or day is not a valid date. Please pick a day from the calendar."),
            back_url=base_url,
        )
    practitioner = form.cleaned_data["practitioner"]
    practitioner_id = practitioner.pk if practitioner else None
    practitioner_param = str(practitioner_id) if practitioner else ANY
    names = {p.pk: str(p) for p in practitioners}

    profile = clinic_profile_get()
    picker = picker_availability(
        consultation_type=consultation_type,
        month=form.cleaned_data["month"],
        day=form.cleaned_data["date"],
        practitioner_id=practitioner_id,
        exclude_appointment_id=exclude_appointment_id,
        profile=profile,
    )
    month, days, chosen_date = picker.month, picker.bookable_days, picker.day
    month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    first_month, last_month = picker.window_first.replace(day=1), picker.window_last.replace(day=1)

    def nav(**params) -> str:
        return url_with(base_url, practitioner=practitioner_param if practitioner else "", **params)

    # Every day's link is this plus "&date=<ISO day>" (digits and dashes: nothing to quote).
    month_url = nav(month=f"{month:%Y-%m}")
    prev_month = (month - timedelta(days=1)).replace(day=1)
    next_month = month_end + timedelta(days=1)

    def is_current(start: datetime, practitioner_id: int | None) -> bool:
        return current is not None and (start, practitioner_id) == current

    times_html = SafeString("")
    if chosen_date is not None and chosen_date in days:
        times_html = time_list(
            merge_any_practitioner(picker.day_slots),
            names=names,
            pick_url=pick_url,
            one_practitioner=practitioner is not None,
            any_allowed=any_allowed,
            current=current,
        )
    next_choice = None
    next_slot = picker.next_slot
    if next_slot is not None:
        param = str(next_slot.practitioner_id) if (practitioner or not any_allowed) else ANY
        next_choice = TimeChoice(
            start=next_slot.start,
            end=next_slot.end,
            practitioner_param=param,
            practitioner_names=names.get(next_slot.practitioner_id, ""),
            url=url_with(pick_url, start=next_slot.start.isoformat(), practitioner=param),
            is_current=is_current(next_slot.start, next_slot.practitioner_id),
        )
    return {
        "consultation_type": consultation_type,
        "practitioners": practitioners,
        "selected_practitioner": practitioner,
        "practitioner_param": practitioner_param,
        "month": month,
        "month_rows": month_rows(
            month, days, chosen_date, lambda day: f"{month_url}&date={day.isoformat()}"
        ),
        "weekday_header": weekday_header(),
        "prev_url": nav(month=f"{prev_month:%Y-%m}") if prev_month >= first_month else "",
        "next_url": nav(month=f"{next_month:%Y-%m}") if next_month <= last_month else "",
        "chosen_date": chosen_date,
        "chosen_date_bookable": chosen_date in days if chosen_date else False,
        "times_html": times_html,
        "next_choice": next_choice,
        "zone_label": zone_label(),
        "base_url": base_url,
        "any_allowed": any_allowed,
        # Already fetched: the context processor's copy stays unevaluated.
        "clinic": profile,
    }


def render_picker(request: HttpRequest, context: dict, *, status: int = 200) -> HttpResponse:
    htmx = getattr(request, "htmx", None)
    partial = bool(htmx) and not htmx.history_restore_request
    if partial:
        return render(request, "booking/_picker.html", context, status=status)
    if len(context["practitioners"]) > 1:
        context["practitioner_filter"] = practitioner_filter(
            practitioners=context["practitioners"],
            selected=context["selected_practitioner"],
            any_allowed=context["any_allowed"],
            base_url=context["base_url"],
        )
    if "appointment" not in context:
        context["picker_intro"] = picker_intro(
            consultation_type=context["consultation_type"], step=context.get("step", 2)
        )
    return render(request, "booking/choose_time.html", context, status=status)


# Not never_cache: the list is the same for everyone (clinic/pagecache.py keeps it), and
# SecurityHeadersMiddleware marks every /book/ page no-store for browsers and proxies.
@require_safe
def start(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "booking/start.html",
        {"consultation_types": consultation_type_list_public(), "step": 1},
    )


@never_cache
@require_GET
@catalogue.pinned()
def choose_time(request: HttpRequest, type_slug: str) -> HttpResponse:
    consultation_type = active_type_or_404(type_slug)
    context = picker_context(
        request,
        consultation_type=consultation_type,
        practitioners=practitioners_for(consultation_type),
        base_url=reverse("booking:choose_time", args=[type_slug]),
        pick_url=reverse("booking:details", args=[type_slug]),
    )
    if isinstance(context, HttpResponse):
        return context
    context["step"] = 2
    return render_picker(request, context)
