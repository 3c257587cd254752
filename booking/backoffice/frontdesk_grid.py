"""The front desk's time-ruled schedule: the grid's columns, the side panel of a visit with every
action the role may take, and the one-visit cancel and move behind it.

Every action is a plain form POST that redirects back to the schedule, so the page works
without JavaScript; htmx only swaps the side panel in place (see schedule_views.schedule_day).
A move the schedule refuses comes back as the panel again, with the reason and what was typed.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote_plus

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
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from booking.backoffice.forms import CancelConfirmForm, PanelMoveForm
from booking.backoffice.views_common import require
from booking.models import Appointment, OutboundMessage, Practitioner
from booking.scheduling.changes import (
    appointment_cancel,
    appointment_reschedule,
    appointment_reschedule_is_noop,
)
from booking.scheduling.clock import clinic_zone
from booking.scheduling.errors import BookingError, SlotUnavailable
from booking.scheduling.frontdesk import (
    consultation_types_fitting,
    move_refusal_reason,
    sees_complaint,
    visit_notes,
)
from booking.scheduling.inputs import STAFF_REACH, parse_id, parse_instant
from booking.scheduling.schedule_grid import GridColumn, ScheduleGrid, schedule_grid
from booking.scheduling.staff_schedule import ScheduleDay

# Consultation types are told apart by a palette class (and always by their name as text).
TYPE_PALETTE = 6


def day_grid(schedule: ScheduleDay) -> ScheduleGrid:
    return schedule_grid(
        [
            GridColumn(
                title=c.practitioner.display_name,
                day=schedule.day,
                practitioner=c.practitioner,
                column=c,
            )
            for c in schedule.columns
        ]
    )


def week_grid(days: list[ScheduleDay], practitioner) -> ScheduleGrid:
    return schedule_grid(
        [
            GridColumn(title=f"{d.day:%a %d %b}", day=d.day, practitioner=practitioner, column=c)
            for d in days
            for c in d.columns
        ]
    )


def grid_extras(request: HttpRequest, grid: ScheduleGrid) -> dict:
    """What the grid's cells need beyond the blocks: links, spoken names, and the notes the
    user may read (one query, none for reception)."""
    visits = [
        cell.appointment
        for row in grid.rows
        for _, cell in row.cells
        if cell.kind == "visit" and cell.appointment is not None
    ]
    notes = visit_notes(user=request.user, appointments=visits)
    can_book = request.user.has_perm("booking.add_appointment")
    book_url = reverse("admin:booking_appointment_book")
    day_url = reverse("admin:booking_schedule_day")
    now = timezone.now()
    # The links are urlencode's, written out: a whole clinic's day has hundreds of cells, and a
    # dict and urlencode per cell were a third of this function. Ids and ISO dates need no
    # quoting; the start's "+" and ":" and the page's own ?practitioner= do.
    keep = request.GET.get("practitioner")
    keep_filter = f"&{urlencode({'practitioner': keep})}" if keep else ""
    for row in grid.rows:
        for col, cell in row.cells:
            if cell.kind == "visit":
                visit = cell.appointment
                cell.note = notes.get(visit.pk)
                cell.palette = visit.consultation_type_id % TYPE_PALETTE
                cell.link = f"{day_url}?date={col.day.isoformat()}&panel={visit.pk}{keep_filter}"
            elif cell.kind == "free":
                when = timezone.localtime(cell.start)
                cell.spoken = (
                    f"Free, {col.practitioner.display_name}, {when:%A} {when.hour}:{when:%M}"
                )
                if can_book and cell.start >= now:
                    cell.link = (
                        f"{book_url}?practitioner={col.practitioner.pk}&day={col.day.isoformat()}"
                        f"&start={quote_plus(cell.start_iso)}"
                    )
    return {"type_palette": TYPE_PALETTE}


def free_time_prefill(data) -> list | None:
    """For a booking form opened from free time (?practitioner=&day=&start=): the consultation
    types that fit there, or None when the request did not come from free time."""
    start_raw = data.get("start", "")
    pid = parse_id(data.get("practitioner", ""))
    if not start_raw or pid is None:
        return None
    start = parse_instant(start_raw, now=timezone.now(), reach=STAFF_REACH)
    practitioner = Practitioner.objects.filter(pk=pid, active=True).first()
    if start is None or practitioner is None:
        return None
    return consultation_types_fitting(
        practitioner=practitioner, start=start.astimezone(clinic_zone())
    )


def today_message(request: HttpRequest, *, today: date, day: date) -> None:
    messages.info(
        request,
        f"Nobody works on {today:%A %d %B} (closed); showing the next working day, {day:%A %d %B}.",
    )


def appointment_panel_context(request: HttpRequest, model_admin: ModelAdmin) -> dict | None:
    """The side panel for ?panel=<id>: the patient, contact, type, status, history and actions.
    The appointment comes through the admin's queryset (a clinician: their own visits only)."""
    pk = parse_id(request.GET.get("panel", ""))
    if pk is None:
        return None
    appointment = (
        model_admin.get_queryset(request)
        .select_related("patient", "practitioner", "consultation_type")
        .filter(pk=pk)
        .first()
    )
    if appointment is None:
        return None
    history = list(
        appointment.history.order_by("-history_date").values(
            "history_date", "status", "history_change_reason"
        )[:8]
    )
    messages_sent = list(
        OutboundMessage.objects.filter(appointment=appointment).order_by("-scheduled_for")[:8]
    )
    user = request.user
    note = None
    if sees_complaint(user=user, appointment=appointment):
        note = visit_notes(user=user, appointments=[appointment]).get(appointment.pk)
    return {
        "appointment": appointment,
        "history": history,
        "messages_sent": messages_sent,
        "note": note,
        "cancel_form": CancelConfirmForm(),
        "move_form": PanelMoveForm(appointment=appointment),
        "move_error": "",
        "here": _back(request),
        # The panel's own address: its move form posts back to it.
        "panel_url": request.get_full_path(),
        "can_change": user.has_perm("booking.change_appointment"),
    }


def appointment_move_from_panel(
    request: HttpRequest, model_admin: ModelAdmin
) -> HttpResponse | dict:
    """POST of the panel's move form (to the schedule's own address, ?panel=<id>), through the
    reschedule service with staff rules. Moved: back to the schedule of the visit's new day (htmx:
    HX-Redirect, so the grid is drawn again). Refused: the panel's context, with the reason in
    words and the form as typed, for the page (or htmx) to show the panel again."""
    require(request, model_admin.has_change_permission(request))
    panel = appointment_panel_context(request, model_admin)
    if panel is None:
        raise Http404("No such visit on your schedule.")
    appointment = panel["appointment"]
    form = PanelMoveForm(request.POST, appointment=appointment)
    panel["move_form"] = form
    if not appointment.is_open:
        panel["move_error"] = "Only a requested or confirmed visit can be moved."
    elif not form.is_valid():
        panel["move_error"] = "Check the practitioner, date and time: " + "; ".join(
            f"{form[name].label}: {' '.join(errors)}" if name in form.fields else " ".join(errors)
            for name, errors in form.errors.items()
        )
    else:
        start, practitioner = form.cleaned_data["start"], form.cleaned_data["practitioner"]
        if appointment_reschedule_is_noop(appointment, start=start, practitioner=practitioner):
            panel["move_error"] = "That is the visit's current time: nothing to move."
            return panel
        try:
            moved = appointment_reschedule(
                appointment=appointment,
                start=start,
                practitioner=practitioner,
                acting_user=request.user,
                source=Appointment.Source.ADMIN,
                apply_patient_rules=False,
            )
        except SlotUnavailable:
            panel["move_error"] = move_refusal_reason(
                appointment=appointment, practitioner=practitioner, start=start, now=timezone.now()
            )
        except BookingError as exc:
            panel["move_error"] = str(exc.message)
        else:
            local = moved.start.astimezone(clinic_zone())
            messages.success(
                request,
                f"Moved {moved.patient}'s visit to {local:%a %d %b at %H:%M} with "
                f"{moved.practitioner.display_name}; the patient has been notified.",
            )
            query = request.GET.copy()
            query.pop("panel", None)
            query["date"] = local.date().isoformat()
            back = f"{reverse('admin:booking_schedule_day')}?{query.urlencode()}"
            if request.htmx:
                return HttpResponse(status=204, headers={"HX-Redirect": back})
            return HttpResponseRedirect(back)
    return panel


def _back(request: HttpRequest) -> str:
    # The schedule page without the panel: where every action returns.
    query = request.GET.copy()
    query.pop("panel", None)
    path = reverse("admin:booking_schedule_day")
    return f"{path}?{query.urlencode()}" if query else path


def _safe_next(request: HttpRequest) -> str:
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return back
    return reverse("admin:booking_schedule_day")


def appointment_cancel_one(
    request: HttpRequest, model_admin: ModelAdmin, object_id: str
) -> HttpResponse:
    """Cancel one visit from the side panel, with a reason; the patient is told once (the
    cancellation service writes one ledger row)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    require(request, model_admin.has_change_permission(request))
    if parse_id(object_id) is None:
        return HttpResponseRedirect(_safe_next(request))
    appointment = get_object_or_404(
        model_admin.get_queryset(request).select_related("patient"), pk=object_id
    )
    form = CancelConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason to cancel (the patient reads it).")
        return HttpResponseRedirect(_safe_next(request))
    try:
        appointment_cancel(
            appointment=appointment,
            reason=form.cleaned_data["reason"],
            acting_user=request.user,
            source=Appointment.Source.ADMIN,
            apply_patient_rules=False,
        )
    except BookingError as exc:
        messages.error(request, f"{appointment.patient}: {exc.message}")
    else:
        messages.success(request, f"Cancelled {appointment.patient}'s visit; they are told once.")
    return HttpResponseRedirect(_safe_next(request))
