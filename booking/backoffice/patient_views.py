"""Back-office pages for patient data: the appointment CSV export, a patient's export and
anonymisation (each behind its own permission, each audited).
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from booking.backoffice.views_common import admin_context, require
from booking.models import Patient
from booking.patients import data_rights
from booking.patients.data_rights import (
    ANONYMISE_PERMISSION,
    EXPORT_PERMISSION,
    AnonymisationRefused,
    patient_anonymise_refusal,
    patient_export_json,
)
from booking.scheduling.clock import clinic_zone
from booking.scheduling.inputs import parse_id

CSV_COLUMNS = [
    ("Reference", lambda a: a.reference),
    ("Date", lambda a: f"{a.start.astimezone(clinic_zone()):%Y-%m-%d}"),
    ("Start", lambda a: f"{a.start.astimezone(clinic_zone()):%H:%M}"),
    ("End", lambda a: f"{a.end.astimezone(clinic_zone()):%H:%M}"),
    ("Practitioner", lambda a: a.practitioner.display_name),
    ("Consultation type", lambda a: a.consultation_type.name),
    ("Status", lambda a: a.get_status_display()),
    ("Source", lambda a: a.get_source_display()),
    ("Patient", lambda a: a.patient.full_name),
    ("Email", lambda a: a.contact_email),
    ("Phone", lambda a: str(a.contact_phone or "")),
]


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ runs as a formula in spreadsheet programs.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_csv(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    """The changelist's filtered appointments as CSV (scheduling data only, no intake)."""
    require(request, model_admin.has_view_permission(request))
    changelist = model_admin.get_changelist_instance(request)
    queryset = changelist.get_queryset(request).select_related(
        "practitioner", "consultation_type", "patient"
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="appointments-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    writer.writerow([name for name, _ in CSV_COLUMNS])
    for appointment in queryset.iterator(chunk_size=500):
        writer.writerow([_csv_safe(str(get(appointment))) for _, get in CSV_COLUMNS])
    return response


def _patient_or_404(request: HttpRequest, model_admin: ModelAdmin, object_id: str) -> Patient:
    # Through the admin's queryset: a clinician never reaches a patient they could not open.
    if parse_id(object_id) is None:
        raise Http404
    return get_object_or_404(model_admin.get_queryset(request), pk=object_id)


def patient_export(request: HttpRequest, model_admin: ModelAdmin, object_id: str) -> HttpResponse:
    """Everything held about the patient as one JSON download; POST, since it is audited."""
    require(request, request.user.has_perm(EXPORT_PERMISSION))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    patient = _patient_or_404(request, model_admin, object_id)
    document = patient_export_json(patient=patient, acting_user=request.user)
    response = HttpResponse(document, content_type="application/json; charset=utf-8")
    # The file name carries the id only: a name in a download list is itself personal data.
    response["Content-Disposition"] = f'attachment; filename="patient-{patient.pk}-export.json"'
    response["Cache-Control"] = "no-store"
    return response


def patient_anonymise(
    request: HttpRequest, model_admin: ModelAdmin, object_id: str
) -> HttpResponse:
    """Confirmation page (with the reason when the retention rules refuse), then anonymise."""
    require(request, request.user.has_perm(ANONYMISE_PERMISSION))
    patient = _patient_or_404(request, model_admin, object_id)
    change_url = reverse("admin:booking_patient_change", args=[patient.pk])
    refusal = patient_anonymise_refusal(patient=patient)
    if request.method == "POST" and refusal is None:
        try:
            data_rights.patient_anonymise(patient=patient, acting_user=request.user)
        except AnonymisationRefused as exc:
            refusal = exc.message  # something changed since the check above
        else:
            messages.success(request, f"Patient {patient.pk} has been anonymised.")
            return HttpResponseRedirect(change_url)
    return TemplateResponse(
        request,
        "admin/booking/patient_anonymise.html",
        admin_context(
            request,
            model_admin,
            "Anonymise this patient",
            patient=patient,
            refusal=refusal,
            change_url=change_url,
        ),
        status=409 if refusal and request.method == "POST" else 200,
    )
