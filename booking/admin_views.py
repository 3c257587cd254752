"""The back office's own pages, mounted by AppointmentAdmin.get_urls(): schedule views, the
printable day list, booking on behalf of a patient, moving a visit, the disruption page and the
CSV export. Thin: reads come from booking.selectors, writes go through booking.services.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
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
from django.utils.http import urlencode

from booking import emails, privacy, selectors, services
from booking.admin_forms import (
    ClinicCancelForm,
    FindTimeForm,
    MoveForm,
    StaffBookingForm,
    free_time_choices,
)
from booking.availability import clinic_zone
from booking.models import Appointment, ClinicClosure, OutboundMessage, Patient, TimeOff


def _context(request: HttpRequest, model_admin: ModelAdmin, title: str, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        **extra,
    }


def _day_from(request: HttpRequest) -> date:
    raw = request.GET.get("date", "")
    if not raw:
        return timezone.localdate()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        messages.warning(request, f"“{raw}” is not a date (use YYYY-MM-DD); showing today.")
        return timezone.localdate()


def _practitioner_id_from(request: HttpRequest) -> int | None:
    raw = request.GET.get("practitioner", "")
    return int(raw) if raw.isdigit() else None


def _require(request: HttpRequest, allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _schedule_filters(request: HttpRequest, day: date) -> dict:
    all_practitioners = selectors.schedule_practitioners(user=request.user)
    practitioner_id = _practitioner_id_from(request)
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
    _require(request, model_admin.has_view_permission(request))
    day = _day_from(request)
    filters = _schedule_filters(request, day)
    days = selectors.staff_schedule(
        first_day=day, last_day=day, practitioners=filters["practitioners"]
    )
    return TemplateResponse(
        request,
        "admin/booking/schedule_day.html",
        _context(
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


# Which permission each status change from the schedule needs (the services check the order).
STATUS_PERMISSIONS = {
    Appointment.Status.CONFIRMED: "booking.change_appointment",
    Appointment.Status.ARRIVED: "booking.mark_arrived",
    Appointment.Status.COMPLETED: "booking.mark_outcome",
    Appointment.Status.NO_SHOW: "booking.mark_outcome",
}


def set_status(request: HttpRequest, model_admin: ModelAdmin, object_id: str) -> HttpResponse:
    """One-click status change from the day view (confirm, arrived, completed, no-show)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    status = request.POST.get("status", "")
    permission = STATUS_PERMISSIONS.get(status)
    _require(request, permission is not None and request.user.has_perm(permission))
    appointment = get_object_or_404(
        model_admin.get_queryset(request).select_related("patient"), pk=object_id
    )
    try:
        services.appointment_set_status(
            appointment=appointment, status=status, acting_user=request.user
        )
    except services.BookingError as exc:
        messages.error(request, f"{appointment.patient}: {exc.message}")
    else:
        messages.success(
            request, f"{appointment.patient}: {Appointment.Status(status).label.lower()}."
        )
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return HttpResponseRedirect(back)
    return HttpResponseRedirect(reverse("admin:booking_schedule_day"))


def schedule_week(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    """Monday to Sunday around the chosen date, one column per practitioner."""
    _require(request, model_admin.has_view_permission(request))
    day = _day_from(request)
    monday = day - timedelta(days=day.weekday())
    filters = _schedule_filters(request, day)
    days = selectors.staff_schedule(
        first_day=monday,
        last_day=monday + timedelta(days=6),
        practitioners=filters["practitioners"],
    )
    return TemplateResponse(
        request,
        "admin/booking/schedule_week.html",
        _context(
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
    _require(request, model_admin.has_view_permission(request))
    day = _day_from(request)
    filters = _schedule_filters(request, day)
    appointments = selectors.day_list_appointments(day=day, practitioners=filters["practitioners"])
    return TemplateResponse(
        request,
        "admin/booking/schedule_print.html",
        _context(
            request,
            model_admin,
            f"Day list for {day:%A %d %B %Y}",
            appointments=appointments,
            **filters,
            **_nav(request, day, 1),
        ),
    )


def book(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    """Book on behalf of a patient (phone): type, practitioner, day, then a free time."""
    _require(request, model_admin.has_add_permission(request))
    data = request.POST if request.method == "POST" else request.GET
    # Bound only once staff asked for times (a "book for this patient" link carries ?patient=).
    searching = any(data.get(name) for name in ("consultation_type", "day"))
    find = FindTimeForm(data if searching else None)
    choices: list[tuple[str, str]] = []
    if find.is_bound and find.is_valid():
        choices = free_time_choices(
            consultation_type=find.cleaned_data["consultation_type"],
            day=find.cleaned_data["day"],
            practitioner=find.cleaned_data["practitioner"],
        )
    if request.method == "POST":
        form = StaffBookingForm(request.POST, start_choices=choices)
        if form.is_valid():
            try:
                appointment = services.appointment_book(
                    consultation_type=form.cleaned_data["consultation_type"],
                    start=form.cleaned_data["start"],
                    practitioner=form.cleaned_data["practitioner"],
                    contact=services.ContactDetails(
                        full_name=form.cleaned_data["full_name"],
                        email=form.cleaned_data["email"],
                        phone=str(form.cleaned_data["phone"] or ""),
                        date_of_birth=form.cleaned_data["date_of_birth"],
                    ),
                    source=Appointment.Source.PHONE,
                    acting_user=request.user,
                    apply_patient_rules=False,
                    reminders_enabled=form.cleaned_data["reminders_enabled"],
                )
            except services.BookingError as exc:
                form.add_error("start", exc.message)
                form.fields["start"].choices = free_time_choices(
                    consultation_type=form.cleaned_data["consultation_type"],
                    day=form.cleaned_data["day"],
                    practitioner=form.cleaned_data["practitioner"],
                )
            else:
                local = appointment.start.astimezone(clinic_zone())
                messages.success(
                    request,
                    f"Booked {appointment.consultation_type} for {appointment.patient} with "
                    f"{appointment.practitioner.display_name} on {local:%a %d %b at %H:%M}. "
                    "The patient will get a confirmation email.",
                )
                return HttpResponseRedirect(
                    reverse("admin:booking_appointment_change", args=[appointment.pk])
                )
    else:
        initial = {}
        patient_id = request.GET.get("patient", "")
        if patient_id.isdigit():
            patient = Patient.objects.filter(pk=patient_id).first()
            if patient is not None:
                initial = {
                    "full_name": patient.full_name,
                    "email": patient.email,
                    "phone": patient.phone,
                    "date_of_birth": patient.date_of_birth,
                }
        form = StaffBookingForm(
            data=None,
            initial={**data.dict(), **initial, "reminders_enabled": True},
            start_choices=choices,
        )
    return TemplateResponse(
        request,
        "admin/booking/book.html",
        _context(
            request,
            model_admin,
            "Book an appointment for a patient",
            find=find,
            form=form,
            choices=choices,
            searched=find.is_bound and find.is_valid(),
        ),
    )


def move(request: HttpRequest, model_admin: ModelAdmin, object_id: str) -> HttpResponse:
    """Move one open visit to another time or practitioner; the patient is told once."""
    _require(request, model_admin.has_change_permission(request))
    appointment = get_object_or_404(
        model_admin.get_queryset(request).select_related(
            "consultation_type", "practitioner", "patient"
        ),
        pk=object_id,
    )
    if not appointment.is_open:
        messages.error(request, "Only a requested or confirmed appointment can be moved.")
        return HttpResponseRedirect(
            reverse("admin:booking_appointment_change", args=[appointment.pk])
        )
    data = request.POST if request.method == "POST" else request.GET
    if not data.get("day"):
        data = {
            "practitioner": appointment.practitioner_id,
            "day": appointment.start.astimezone(clinic_zone()).date().isoformat(),
        }
    form = MoveForm(data, appointment=appointment)
    choices: list[tuple[str, str]] = []
    form.is_valid()  # the free times depend on the practitioner and day, whatever the time says
    if "practitioner" in form.cleaned_data and "day" in form.cleaned_data:
        choices = free_time_choices(
            consultation_type=appointment.consultation_type,
            day=form.cleaned_data["day"],
            practitioner=form.cleaned_data["practitioner"],
            exclude_appointment_id=appointment.pk,
        )
        form = MoveForm(data, appointment=appointment, start_choices=choices)
    if request.method == "POST" and form.is_valid():
        if not form.cleaned_data["start"]:
            form.add_error("start", "Choose the new time.")
        else:
            try:
                moved = services.appointment_reschedule(
                    appointment=appointment,
                    start=form.cleaned_data["start"],
                    practitioner=form.cleaned_data["practitioner"],
                    acting_user=request.user,
                    source=Appointment.Source.ADMIN,
                    apply_patient_rules=False,
                )
            except services.BookingError as exc:
                form.add_error("start", exc.message)
            else:
                local = moved.start.astimezone(clinic_zone())
                messages.success(
                    request,
                    f"Moved {moved.patient}'s visit to {local:%a %d %b at %H:%M} with "
                    f"{moved.practitioner.display_name}; the patient has been notified.",
                )
                back = request.POST.get("next", "")
                if back.startswith("/") and not back.startswith("//"):
                    return HttpResponseRedirect(back)
                return HttpResponseRedirect(
                    reverse("admin:booking_appointment_change", args=[moved.pk])
                )
    return TemplateResponse(
        request,
        "admin/booking/move.html",
        _context(
            request,
            model_admin,
            f"Move {appointment.patient}'s appointment",
            appointment=appointment,
            form=form,
            choices=choices,
            next=data.get("next", ""),
        ),
    )


def disruption(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    """The open visits a time off or closure falls on: move each, or cancel them in bulk."""
    _require(request, model_admin.has_change_permission(request))
    source = _disruption_source(request)
    if isinstance(source, TimeOff):
        affected = selectors.appointments_disrupted_by_time_off(time_off=source)
    else:
        affected = selectors.appointments_disrupted_by_closure(closure=source)
    form = ClinicCancelForm(
        request.POST if request.method == "POST" else None,
        affected=affected,
        initial={"appointments": affected},
    )
    if request.method == "POST" and form.is_valid():
        cancelled, refused = services.appointments_cancel_for_clinic(
            appointments=list(form.cleaned_data["appointments"]),
            reason=form.cleaned_data["reason"],
            acting_user=request.user,
        )
        if cancelled:
            messages.success(
                request,
                f"Cancelled {len(cancelled)} appointment(s); each patient gets one email.",
            )
        for appointment, why in refused:
            messages.error(request, f"{appointment.patient}: {why}")
        return HttpResponseRedirect(request.get_full_path())
    return TemplateResponse(
        request,
        "admin/booking/disruption.html",
        _context(
            request,
            model_admin,
            f"Appointments affected by {source}",
            source=source,
            affected=affected,
            form=form,
            here=request.get_full_path(),
        ),
    )


def _disruption_source(request: HttpRequest) -> TimeOff | ClinicClosure:
    time_off_id, closure_id = request.GET.get("time_off", ""), request.GET.get("closure", "")
    if time_off_id.isdigit():
        return get_object_or_404(TimeOff.objects.select_related("practitioner"), pk=time_off_id)
    if closure_id.isdigit():
        return get_object_or_404(ClinicClosure, pk=closure_id)
    raise Http404("Say which time off or closure (?time_off=ID or ?closure=ID).")


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
    _require(request, model_admin.has_view_permission(request))
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


# --- Patient data rights (mounted by PatientAdmin.get_urls) -------------------------------------


def _patient_or_404(request: HttpRequest, model_admin: ModelAdmin, object_id: str) -> Patient:
    # Through the admin's queryset: a clinician never reaches a patient they could not open.
    if not object_id.isdigit():
        raise Http404
    return get_object_or_404(model_admin.get_queryset(request), pk=object_id)


def patient_export(request: HttpRequest, model_admin: ModelAdmin, object_id: str) -> HttpResponse:
    """Everything held about the patient as one JSON download; POST, since it is audited."""
    _require(request, request.user.has_perm(privacy.EXPORT_PERMISSION))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    patient = _patient_or_404(request, model_admin, object_id)
    document = privacy.patient_export_json(patient=patient, acting_user=request.user)
    response = HttpResponse(document, content_type="application/json; charset=utf-8")
    # The file name carries the id only: a name in a download list is itself personal data.
    response["Content-Disposition"] = f'attachment; filename="patient-{patient.pk}-export.json"'
    response["Cache-Control"] = "no-store"
    return response


def patient_anonymise(
    request: HttpRequest, model_admin: ModelAdmin, object_id: str
) -> HttpResponse:
    """Confirmation page (with the reason when the retention rules refuse), then anonymise."""
    _require(request, request.user.has_perm(privacy.ANONYMISE_PERMISSION))
    patient = _patient_or_404(request, model_admin, object_id)
    change_url = reverse("admin:booking_patient_change", args=[patient.pk])
    refusal = privacy.patient_anonymise_refusal(patient=patient)
    if request.method == "POST" and refusal is None:
        try:
            privacy.patient_anonymise(patient=patient, acting_user=request.user)
        except privacy.AnonymisationRefused as exc:
            refusal = exc.message  # something changed since the check above
        else:
            messages.success(request, f"Patient {patient.pk} has been anonymised.")
            return HttpResponseRedirect(change_url)
    return TemplateResponse(
        request,
        "admin/booking/patient_anonymise.html",
        _context(
            request,
            model_admin,
            "Anonymise this patient",
            patient=patient,
            refusal=refusal,
            change_url=change_url,
        ),
        status=409 if refusal and request.method == "POST" else 200,
    )


def appointment_message_resend(
    request: HttpRequest, model_admin: ModelAdmin, object_id: str
) -> HttpResponse:
    """The resend button next to a failed email on the appointment's page."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _require(request, request.user.has_perm("booking.change_outboundmessage"))
    if not object_id.isdigit():
        raise Http404
    appointment = get_object_or_404(model_admin.get_queryset(request), pk=object_id)
    raw = request.POST.get("message", "")
    message = get_object_or_404(
        OutboundMessage, pk=raw if raw.isdigit() else None, appointment=appointment
    )
    emails.message_resend(message_id=message.pk, acting_user=request.user)
    messages.success(request, f"The {message.get_kind_display()} email is queued again.")
    return HttpResponseRedirect(reverse("admin:booking_appointment_change", args=[appointment.pk]))
