"""The patient record page (one page per patient), the front desk's patient search, and merging
a likely duplicate into the record. Other features add sections through
booking/patients/record_sections.py (registered via booking.interface)."""

from __future__ import annotations

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
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.safestring import mark_safe

from booking.backoffice.views_common import admin_context, require
from booking.patients.identity import patient_merge, patient_merge_preview
from booking.patients.intake import intake_joint_labels
from booking.patients.record import patient_record
from booking.patients.record_sections import patient_record_sections
from booking.patients.search import patient_search, visible_patients
from booking.scheduling.inputs import parse_id

PAST_SHOWN = 25


def _patient_or_404(request: HttpRequest, object_id: str):
    # Through the same row rules as the patient admin: a clinician reaches their own patients.
    if parse_id(object_id) is None:
        raise Http404
    return get_object_or_404(visible_patients(user=request.user), pk=object_id)


def patient_search_view(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    """?q= a name, phone, date of birth or short booking reference. One match (without htmx)
    opens the record; htmx asks for the results list alone, to show under the box."""
    require(request, model_admin.has_view_permission(request))
    query = request.GET.get("q", "")[:100]
    results = patient_search(query=query, user=request.user)
    if len(results) == 1 and not request.htmx and query:
        return HttpResponseRedirect(reverse("admin:booking_patient_record", args=[results[0].pk]))
    context = {"query": query, "results": results, "searched": bool(query.strip())}
    if request.htmx:
        return TemplateResponse(request, "admin/booking/_search_results.html", context)
    return TemplateResponse(
        request,
        "admin/booking/patient_search.html",
        admin_context(request, model_admin, "Find a patient", **context),
    )


def patient_record_view(
    request: HttpRequest, model_admin: ModelAdmin, object_id: str
) -> HttpResponse:
    require(request, model_admin.has_view_permission(request))
    patient = _patient_or_404(request, object_id)
    record = patient_record(patient=patient, user=request.user)
    answers = [
        {
            "visit": visit,
            "joints": intake_joint_labels(intake),
            "intake": intake,
        }
        for visit, intake in record.answers
    ]
    # A patient of many years can have hundreds of past visits: the latest are what the front
    # desk reads; the rest one click away (the counts above still cover every visit).
    past = record.past if request.GET.get("past") == "all" else record.past[:PAST_SHOWN]
    sections = []
    for section in patient_record_sections(user=request.user, patient=patient):
        template, context = section.render(request, patient)
        html = render_to_string(template, context, request=request)
        sections.append({"key": section.key, "title": section.title, "html": mark_safe(html)})
    return TemplateResponse(
        request,
        "admin/booking/patient_record.html",
        admin_context(
            request,
            model_admin,
            patient.full_name,
            patient=patient,
            record=record,
            past=past,
            past_hidden=len(record.past) - len(past),
            answers=answers,
            sections=sections,
            can_merge=request.user.has_perm("booking.merge_patients"),
            can_book=request.user.has_perm("booking.add_appointment"),
            # Through messaging/private_links.private_link_resend (the appointment's button).
            can_resend=request.user.has_perm("booking.change_appointment"),
        ),
    )


def patient_merge_into(
    request: HttpRequest, model_admin: ModelAdmin, object_id: str
) -> HttpResponse:
    """Merge a likely duplicate into this record, in two steps. GET ?duplicate=<id> shows both
    records side by side (what is kept, what moves) and never changes anything; only the POST
    of its confirm button (duplicate=<id>, confirm=merge) merges."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    require(request, request.user.has_perm("booking.merge_patients"))
    data = request.POST if request.method == "POST" else request.GET
    keep = _patient_or_404(request, object_id)
    duplicate = _patient_or_404(request, data.get("duplicate", ""))
    if duplicate.pk == keep.pk or keep.anonymised_at or duplicate.anonymised_at:
        raise Http404("Choose another record of the same person.")
    record_url = reverse("admin:booking_patient_record", args=[keep.pk])
    if request.method == "POST" and data.get("confirm") == "merge":
        name = duplicate.full_name
        patient_merge(keep=keep, duplicate=duplicate, acting_user=request.user)
        messages.success(request, f"Merged the record of {name} into this one.")
        return HttpResponseRedirect(record_url)
    return TemplateResponse(
        request,
        "admin/booking/patient_merge_confirm.html",
        admin_context(
            request,
            model_admin,
            f"Merge {duplicate.full_name} into {keep.full_name}?",
            preview=patient_merge_preview(keep=keep, duplicate=duplicate),
            record_url=record_url,
        ),
    )
