"""The manager's reports page: each figure as an accessible chart (clinic/charts.py), the table
of its numbers, its definition, and a CSV export of the table."""

from __future__ import annotations

import csv
from datetime import date, timedelta

from django.contrib.admin import ModelAdmin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe

from booking.backoffice.patient_views import _csv_safe
from booking.backoffice.views_common import admin_context, require
from booking.reports.selectors import DEFINITIONS, GROUPINGS, Report, report_build
from booking.scheduling.inputs import STAFF_REACH, parse_date
from clinic.charts import BarSeries, bar_chart, bar_chart_table

REPORTS_PERMISSION = "booking.view_reports"
DEFAULT_WEEKS = 12
MAX_DAYS = 366 * 2


def _figures(report: Report) -> list[dict]:
    """(key, title, unit, series) of each figure, from the report's rows."""
    rows = report.rows
    figures = [
        ("sources", "Bookings by source", "", [
            BarSeries("Online", tuple(r.online for r in rows)),
            BarSeries("Phone", tuple(r.phone for r in rows)),
            BarSeries("Staff", tuple(r.staff for r in rows)),
        ]),
        ("lead_time", "Lead time from booking to visit (median days)", "", [
            BarSeries("Median days", tuple(r.lead_days for r in rows)),
        ]),
        ("attendance", "No-show and late-cancellation rates", "%", [
            BarSeries("No-show rate", tuple(_round(r.no_show_rate) for r in rows)),
            BarSeries("Late cancellation rate", tuple(_round(r.late_cancel_rate) for r in rows)),
        ]),
        ("patients", "New and returning patients", "", [
            BarSeries("New", tuple(r.new for r in rows)),
            BarSeries("Returning", tuple(r.returning for r in rows)),
        ]),
        ("reminders", "Reminder delivery", "", [
            BarSeries("Sent", tuple(r.reminders_sent for r in rows)),
            BarSeries("Failed", tuple(r.reminders_failed for r in rows)),
        ]),
        ("rebooking", "Time from a freed slot to rebooking from the waitlist (median hours)", "", [
            BarSeries("Median hours", tuple(r.rebooking_hours for r in rows)),
        ]),
    ]  # fmt: skip
    if report.grouping != "type":
        figures.insert(3, ("utilisation", "Utilisation (booked / working minutes)", "%", [
            BarSeries("Utilisation", tuple(_round(r.utilisation) for r in rows)),
        ]))  # fmt: skip
    labels = [r.label for r in rows]
    period = f"{report.first_day:%d %b %Y} to {report.last_day:%d %b %Y}"
    result = []
    for key, title, unit, series in figures:
        header, table = bar_chart_table(labels=labels, series=series, unit=unit)
        description = f"{DEFINITIONS[key]} Period: {period}, by {report.grouping}."
        result.append(
            {
                "key": key,
                "title": title,
                "definition": DEFINITIONS[key],
                "svg": mark_safe(
                    bar_chart(
                        chart_id=f"chart-{key}",
                        title=title,
                        description=description,
                        labels=labels,
                        series=series,
                        unit=unit,
                    )
                ),
                "header": header,
                "rows": table,
            }
        )
    return result


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _period(request: HttpRequest) -> tuple[date, date, list[str]]:
    today = timezone.localdate()
    errors = []
    last = parse_date(request.GET.get("to", ""), today=today, reach=STAFF_REACH)
    first = parse_date(request.GET.get("from", ""), today=today, reach=STAFF_REACH)
    if request.GET.get("to") and last is None:
        errors.append("The end date is not one we can use (YYYY-MM-DD); showing up to today.")
    if request.GET.get("from") and first is None:
        errors.append("The start date is not one we can use (YYYY-MM-DD).")
    last = last or today
    first = first or last - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1)
    if first > last:
        errors.append("The start date was after the end date; they have been swapped.")
        first, last = last, first
    if (last - first).days > MAX_DAYS:
        errors.append("At most two years at a time; the period has been shortened.")
        first = last - timedelta(days=MAX_DAYS)
    return first, last, errors


def reports_page(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    require(request, request.user.has_perm(REPORTS_PERMISSION))
    first, last, errors = _period(request)
    grouping = request.GET.get("group", "week")
    if grouping not in GROUPINGS:
        errors.append("Group by week, practitioner or type; showing weeks.")
        grouping = "week"
    report = report_build(first_day=first, last_day=last, grouping=grouping)
    figures = _figures(report)
    wanted = request.GET.get("csv", "")
    if wanted:
        for figure in figures:
            if figure["key"] == wanted:
                return _csv(figure, report)
    query = request.GET.copy()
    query.pop("csv", None)
    return TemplateResponse(
        request,
        "admin/booking/reports.html",
        admin_context(
            request,
            model_admin,
            "Reports",
            report=report,
            figures=figures,
            errors=errors,
            groupings=GROUPINGS,
            query=query.urlencode(),
        ),
    )


def _csv(figure: dict, report: Report) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{figure['key']}-{report.first_day}-{report.last_day}-by-{report.grouping}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    writer.writerow([report.grouping, *figure["header"][1:]])
    for row in figure["rows"]:
        writer.writerow([_csv_safe(str(cell)) for cell in row])
    return response
