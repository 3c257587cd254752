"""Back-office pages that change appointments: book on behalf of a patient, move, set a status,
cancel the visits a disruption hits, resend a failed email. Thin: writes go through the services.
"""

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
from django.template.response import TemplateResponse
from django.urls import reverse

from booking.backoffice.forms import (
    ClinicCancelForm,
    FindTimeForm,
    MoveForm,
    StaffBookingForm,
    free_time_choices,
)
from booking.backoffice.frontdesk_grid import free_time_prefill
from booking.backoffice.views_common import admin_context, require
from booking.messaging.ledger import message_resend
from booking.messaging.private_links import private_link_resend
from booking.messaging.sms.consent import SMS_CONSENT_VERSION
from booking.models import (
    Appointment,
    ClinicClosure,
    ConsultationType,
    OutboundMessage,
    Patient,
    TimeOff,
)
from booking.patients.identity import ContactDetails
from booking.patients.intake import IntakeDetails
from booking.profile import clinic_profile_get
from booking.scheduling.booking import appointment_book
from booking.scheduling.changes import (
    appointment_reschedule,
    appointment_reschedule_is_noop,
    appointment_set_status,
    appointments_cancel_for_clinic,
)
from booking.scheduling.clock import clinic_zone
from booking.scheduling.disruptions import (
    appointments_disrupted_by_closure,
    appointments_disrupted_by_time_off,
)
from booking.scheduling.errors import BookingError
from booking.scheduling.inputs import parse_id

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
    require(request, permission is not None and request.user.has_perm(permission))
    appointment = get_object_or_404(
        model_admin.get_queryset(request).select_related("patient"), pk=object_id
    )
    try:
        appointment_set_status(appointment=appointment, status=status, acting_user=request.user)
    except BookingError as exc:
        messages.error(request, f"{appointment.patient}: {exc.message}")
    else:
        messages.success(
            request, f"{appointment.patient}: {Appointment.Status(status).label.lower()}."
        )
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return HttpResponseRedirect(back)
    return HttpResponseRedirect(reverse("admin:booking_schedule_day"))


def book(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    """Book on behalf of a patient (phone): type, practitioner, day, then a free time."""
    require(request, model_admin.has_add_permission(request))
    data = request.POST if request.method == "POST" else request.GET
    # Free time clicked in the schedule: practitioner, day and time given; the type offered
    # only among those that fit there (chosen for staff when only one does).
    fitting = free_time_prefill(data) if request.method == "GET" else None
    if fitting is not None and len(fitting) == 1 and not data.get("consultation_type"):
        data = data.copy()
        data["consultation_type"] = str(fitting[0].pk)
    # Bound only once staff asked for times (a "book for this patient" link carries ?patient=).
    searching = bool(data.get("consultation_type")) or (bool(data.get("day")) and fitting is None)
    find = FindTimeForm(data if searching else None, initial=data.dict())
    if fitting is not None:
        find.fields["consultation_type"].queryset = ConsultationType.objects.filter(
            pk__in=[t.pk for t in fitting]
        )
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
                appointment = appointment_book(
                    consultation_type=form.cleaned_data["consultation_type"],
                    start=form.cleaned_data["start"],
                    practitioner=form.cleaned_data["practitioner"],
                    contact=ContactDetails(
                        full_name=form.cleaned_data["full_name"],
                        email=form.cleaned_data["email"],
                        phone=str(form.cleaned_data["phone"] or ""),
                        date_of_birth=form.cleaned_data["date_of_birth"],
                        language=form.cleaned_data["language"],
                    ),
                    intake=IntakeDetails(
                        joints=form.cleaned_data["joints"],
                        note=form.cleaned_data["note"],
                        pain_score=form.cleaned_data["pain_score"],
                    ),
                    source=Appointment.Source.PHONE,
                    acting_user=request.user,
                    apply_patient_rules=False,
                    reminders_enabled=form.cleaned_data["reminders_enabled"],
                    privacy_notice_version=clinic_profile_get().privacy_notice_version,
                    privacy_read_out_by=request.user,
                    sms_consent_version=(SMS_CONSENT_VERSION if form.cleaned_data["texts"] else ""),
                )
            except BookingError as exc:
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
        patient_id = parse_id(request.GET.get("patient", ""))
        if patient_id is not None:
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
        admin_context(
            request,
            model_admin,
            "Book an appointment for a patient",
            find=find,
            form=form,
            choices=choices,
            searched=find.is_bound and find.is_valid(),
            prefill_start=data.get("start", "") if fitting is not None else "",
        ),
    )


def move(request: HttpRequest, model_admin: ModelAdmin, object_id: str) -> HttpResponse:
    """Move one open visit to another time or practitioner; the patient is told once."""
    require(request, model_admin.has_change_permission(request))
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
        elif appointment_reschedule_is_noop(
            appointment,
            start=form.cleaned_data["start"],
            practitioner=form.cleaned_data["practitioner"],
        ):
            form.add_error("start", "That is the visit's current time: nothing to move.")
        else:
            try:
                moved = appointment_reschedule(
                    appointment=appointment,
                    start=form.cleaned_data["start"],
                    practitioner=form.cleaned_data["practitioner"],
                    acting_user=request.user,
                    source=Appointment.Source.ADMIN,
                    apply_patient_rules=False,
                )
            except BookingError as exc:
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
        admin_context(
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
    require(request, model_admin.has_change_permission(request))
    source = _disruption_source(request)
    if isinstance(source, TimeOff):
        affected = appointments_disrupted_by_time_off(time_off=source)
    else:
        affected = appointments_disrupted_by_closure(closure=source)
    form = ClinicCancelForm(
        request.POST if request.method == "POST" else None,
        affected=affected,
        initial={"appointments": affected},
    )
    if request.method == "POST" and form.is_valid():
        cancelled, refused = appointments_cancel_for_clinic(
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
        admin_context(
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
    if (pk := parse_id(time_off_id)) is not None:
        return get_object_or_404(TimeOff.objects.select_related("practitioner"), pk=pk)
    if (pk := parse_id(closure_id)) is not None:
        return get_object_or_404(ClinicClosure, pk=pk)
    raise Http404("Say which time off or closure (?time_off=ID or ?closure=ID).")


def appointment_message_resend(
    request: HttpRequest, model_admin: ModelAdmin, object_id: str
) -> HttpResponse:
    """The resend button next to a failed message on the appointment's page."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    require(request, request.user.has_perm("booking.change_outboundmessage"))
    if parse_id(object_id) is None:
        raise Http404
    appointment = get_object_or_404(model_admin.get_queryset(request), pk=object_id)
    raw = request.POST.get("message", "")
    message = get_object_or_404(OutboundMessage, pk=parse_id(raw), appointment=appointment)
    message_resend(message_id=message.pk, acting_user=request.user)
    channel = message.get_channel_display().lower()
    messages.success(request, f"The {message.get_kind_display()} {channel} is queued again.")
    return HttpResponseRedirect(reverse("admin:booking_appointment_change", args=[appointment.pk]))


def appointment_link_resend(
    request: HttpRequest, model_admin: ModelAdmin, object_id: str
) -> HttpResponse:
    """The "revoke and re-send the private link" button on the appointment's page."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    require(request, request.user.has_perm("booking.change_appointment"))
    if not object_id.isdigit():
        raise Http404
    appointment = get_object_or_404(model_admin.get_queryset(request), pk=object_id)
    private_link_resend(appointment=appointment, acting_user=request.user)
    messages.success(
        request,
        "The old link no longer works; a new one is on its way to the patient by email.",
    )
    back = request.POST.get("next", "")  # the schedule's side panel returns to the schedule
    if back.startswith("/") and not back.startswith("//"):
        return HttpResponseRedirect(back)
    return HttpResponseRedirect(reverse("admin:booking_appointment_change", args=[appointment.pk]))
