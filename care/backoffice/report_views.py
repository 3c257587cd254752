"""The manager's clinic view of outcomes and its de-identified CSV. Thin: care/report.py."""

from __future__ import annotations

import csv

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from care.backoffice.rows import sees_all_plans, sees_outcomes
from care.models import Instrument
from care.report import (
    DEIDENTIFIED_HEADERS,
    outcomes_deidentified_rows,
    outcomes_report,
    report_instrument,
)


def _manager_only(request: HttpRequest) -> None:
    # Every patient's outcomes: the manager's (reception sees all plans but no answers).
    if not (sees_outcomes(request) and sees_all_plans(request)):
        raise PermissionDenied


def _instrument(request: HttpRequest) -> Instrument | None:
    slug = request.GET.get("instrument", "")[:50]
    return report_instrument(slug) or report_instrument()


def outcomes_view(request: HttpRequest, model_admin) -> HttpResponse:
    _manager_only(request)
    instrument = _instrument(request)
    rows = outcomes_report(instrument=instrument, now=timezone.now()) if instrument else []
    return TemplateResponse(
        request,
        "admin/care/outcomes.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": "Outcomes by treatment",
            "instrument": instrument,
            "instruments": Instrument.objects.filter(compared_to_baseline=True),
            "rows": rows,
        },
    )


def _cell(value) -> str:
    text = str(value)
    # A spreadsheet runs a cell starting with these as a formula.
    return (
        "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(text) else text
    )


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def outcomes_csv(request: HttpRequest, model_admin) -> HttpResponse:
    _manager_only(request)
    instrument = _instrument(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="outcomes-deidentified.csv"'
    writer = csv.writer(response)
    writer.writerow(DEIDENTIFIED_HEADERS)
    if instrument is not None:
        for row in outcomes_deidentified_rows(instrument=instrument, now=timezone.now()):
            writer.writerow([_cell(value) for value in row])
    return response
