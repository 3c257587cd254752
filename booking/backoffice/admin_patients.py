"""The patient admin: contact details, visits, merge, export and anonymise."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from booking.backoffice.admin_base import (
    ReadOnlyHistoryAdmin,
    local_datetime,
    sees_all_schedules,
)
from booking.backoffice.forms import PatientMergeForm
from booking.backoffice.patient_record import (
    patient_merge_into,
    patient_record_view,
    patient_search_view,
)
from booking.backoffice.patient_views import patient_anonymise, patient_export
from booking.models import (
    Appointment,
    Patient,
    PatientDuplicateFlag,
)
from booking.patients.data_rights import ANONYMISE_PERMISSION, EXPORT_PERMISSION
from booking.patients.identity import patient_merge
from clinic.templatetags.phones import phone

Status = Appointment.Status


class VisitInline(admin.TabularInline):
    model = Appointment
    verbose_name = "visit"
    verbose_name_plural = "visits"
    fields = ["visit", "consultation_type", "practitioner", "status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["-start"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request).select_related("consultation_type", "practitioner")
        return qs if sees_all_schedules(request) else qs.filter(practitioner__user=request.user)

    @admin.display(description="When")
    def visit(self, obj: Appointment) -> str:
        return local_datetime(obj.start)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class DuplicateFlagInline(admin.TabularInline):
    """Records that may be the same person; merging them (the list's action) resolves the flag.
    Shown to staff who see every patient: the other record may be another clinician's."""

    model = PatientDuplicateFlag
    fk_name = "patient"
    verbose_name = "possible duplicate"
    verbose_name_plural = "possible duplicates (merge them from the patient list)"
    fields = ["other_record", "reason", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description="Other record")
    def other_record(self, obj: PatientDuplicateFlag) -> str:
        other = obj.other
        return format_html(
            '<a href="{}">{} (born {})</a>',
            reverse("admin:booking_patient_change", args=[other.pk]),
            other.full_name,
            other.date_of_birth or "-",
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("other")

    def has_view_permission(self, request, obj=None) -> bool:
        return sees_all_schedules(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Patient)
class PatientAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "full_name",
        "email",
        "phone_display",
        "date_of_birth",
        "visit_count",
        "no_shows",
    ]
    search_fields = ["full_name", "email", "phone"]
    readonly_fields = ["created_at", "anonymised_at"]
    fields = [
        "full_name",
        "email",
        "phone",
        "date_of_birth",
        "language",
        "created_at",
        "anonymised_at",
    ]
    inlines = [DuplicateFlagInline, VisitInline]
    actions = ["merge_patients"]
    # Explicit: the visit counts' GROUP BY drops Meta.ordering, and the autocomplete paginates.
    ordering = ["full_name", "pk"]

    @admin.display(description="Phone", ordering="phone")
    def phone_display(self, obj: Patient) -> str:
        return phone(obj.phone) or "-"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = (
            super()
            .get_queryset(request)
            .annotate(
                visits=Count("appointments", filter=~Q(appointments__status=Status.CANCELLED)),
                no_show_count=Count("appointments", filter=Q(appointments__status=Status.NO_SHOW)),
            )
        )
        if sees_all_schedules(request):
            return qs
        return qs.filter(
            Exists(
                Appointment.objects.filter(patient=OuterRef("pk"), practitioner__user=request.user)
            )
        )

    def get_urls(self):
        def wrap(view):
            def wrapper(request, *args, **kwargs):
                return view(request, self, *args, **kwargs)

            return self.admin_site.admin_view(wrapper)

        custom = [
            path("find/", wrap(patient_search_view), name="booking_patient_search"),
            path(
                "<path:object_id>/record/", wrap(patient_record_view), name="booking_patient_record"
            ),
            path(
                "<path:object_id>/merge-into/",
                wrap(patient_merge_into),
                name="booking_patient_merge_into",
            ),
            path(
                "<path:object_id>/export/",
                wrap(patient_export),
                name="booking_patient_export",
            ),
            path(
                "<path:object_id>/anonymise/",
                wrap(patient_anonymise),
                name="booking_patient_anonymise",
            ),
        ]
        return custom + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_export": request.user.has_perm(EXPORT_PERMISSION),
            "can_anonymise": request.user.has_perm(ANONYMISE_PERMISSION),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="Visits", ordering="visits")
    def visit_count(self, obj: Patient) -> int:
        return obj.visits

    @admin.display(description="No-shows", ordering="no_show_count")
    def no_shows(self, obj: Patient) -> int:
        return obj.no_show_count

    def has_merge_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("booking.merge_patients")

    def has_delete_permission(self, request, obj=None) -> bool:
        # Patients hold the clinic's records: duplicates are merged, never deleted by hand.
        return False

    @admin.action(description="Merge the selected duplicate patients", permissions=["merge"])
    def merge_patients(self, request: HttpRequest, queryset: QuerySet):
        patients = queryset.order_by("pk")
        if patients.count() < 2:
            self.message_user(request, "Select two or more records to merge.", messages.ERROR)
            return None
        form = PatientMergeForm(request.POST if "keep" in request.POST else None, patients=patients)
        if form.is_valid():
            keep = form.cleaned_data["keep"]
            for duplicate in patients.exclude(pk=keep.pk):
                keep = patient_merge(keep=keep, duplicate=duplicate, acting_user=request.user)
            self.message_user(request, f"Merged {patients.count()} record(s) into {keep}.")
            return None
        return TemplateResponse(
            request,
            "admin/booking/patient_merge.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Merge duplicate patients",
                "patients": patients,
                "form": form,
                "action": "merge_patients",
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )
