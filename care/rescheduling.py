"""Staff told when a moved visit breaks a plan: after a move (event MOVED), every later step of
the plan whose visit no longer fits its window, or whose window has passed unbooked, gets an
alert shown on the front desk until someone marks it handled, and the plan's clinician gets
one email through the ledger, with a link to the list and no health detail (no name, no visit
type, no date: the back office shows those after login).

Only what the move broke is new: a step already out of its window before the move is not
alerted again; a step with an open alert has it updated rather than doubled.
"""

from __future__ import annotations

from datetime import date, datetime
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.interface import (
    Appointment,
    ClinicProfile,
    OutboundMessage,
    absolute,
    clinic_zone,
    message_enqueue,
    message_kind_register,
)
from care.models import CarePlan, CarePlanStep, RescheduleAlert
from care.plans import clinician_first_free, plan_steps, step_is_taken, step_window

NOTICE = "care_plan_reschedule"
Reason = RescheduleAlert.Reason


def _when(moment: datetime) -> str:
    return timezone.localtime(moment, clinic_zone()).strftime("%a %d %b %Y %H:%M")


def _day(day: date) -> str:
    return day.strftime("%a %d %b %Y")


def _broken(
    plan: CarePlan,
    steps: list[CarePlanStep],
    *,
    after: int,
    now: datetime,
    check_free_time: bool = True,
) -> dict[int, tuple[str, str]]:
    """{step id: (reason, what staff read)} for the steps after position `after` that no
    longer fit: booked outside their window, or unbooked with their window passed or without
    a free time with the plan's clinician left in it (`check_free_time`)."""
    today = timezone.localtime(now, clinic_zone()).date()
    broken = {}
    for step in steps:
        if step.position <= after:
            continue
        name = f"Step {step.position} ({step.template_step.consultation_type.name})"
        window = step_window(step, steps)
        span = f"{_day(window.earliest)} to {_day(window.latest)}" if window else ""
        if step_is_taken(step):
            if step.appointment.status == Appointment.Status.COMPLETED:
                continue
            day = timezone.localtime(step.appointment.start, clinic_zone()).date()
            if window is None or not window.contains(day):
                where = f"outside its window, {span}" if window else "before the step ahead of it"
                broken[step.pk] = (
                    Reason.OUT_OF_WINDOW,
                    f"{name} is booked on {_when(step.appointment.start)}, {where}.",
                )
        elif window is not None and window.latest < today:
            broken[step.pk] = (
                Reason.WINDOW_PASSED,
                f"{name} is not booked and its window, {span}, has passed.",
            )
        elif (
            window is not None
            and check_free_time
            and clinician_first_free(
                plan=plan,
                step=step,
                first=max(window.earliest, today),
                last=window.latest,
                now=now,
            )
            is None
        ):
            broken[step.pk] = (
                Reason.NO_FREE_TIME,
                f"{name} is not booked and {plan.clinician.display_name} has no free time "
                f"left in its window, {span}.",
            )
    return broken


def plan_windows_recheck(
    *, appointment_id: int, previous_start: datetime | None, now: datetime | None = None
) -> list[RescheduleAlert]:
    """After the visit `appointment_id` moved from `previous_start`: alert staff of the later
    steps of its plan the move broke, and queue the clinician's notice. Returns the alerts
    opened or updated (none when the visit is no plan's step, or the plan has ended)."""
    now = now or timezone.now()
    step = (
        CarePlanStep.objects.select_related("plan__clinician")
        .filter(appointment_id=appointment_id)
        .first()
    )
    if step is None or not step.plan.is_active:
        return []
    plan = step.plan
    steps = plan_steps(plan)
    moved = next(s for s in steps if s.pk == step.pk)
    broken = _broken(plan, steps, after=moved.position, now=now)
    if previous_start is not None and broken:
        # The same plan as it was before the move: what was broken already is not news. (A
        # window without free time counts as news only if the move changed the window.)
        windows = {s.pk: step_window(s, steps) for s in steps}
        current, moved.appointment.start = moved.appointment.start, previous_start
        before = _broken(plan, steps, after=moved.position, now=now, check_free_time=False)
        before |= {
            s.pk: broken[s.pk]
            for s in steps
            if broken.get(s.pk, ("",))[0] == Reason.NO_FREE_TIME
            and step_window(s, steps) == windows[s.pk]
        }
        moved.appointment.start = current
        broken = {pk: found for pk, found in broken.items() if pk not in before}
    if not broken:
        return []
    move = f"Step {moved.position} moved to {_when(moved.appointment.start)}" + (
        f" from {_when(previous_start)}." if previous_start else "."
    )
    alerts = []
    with transaction.atomic():
        for step_id, (reason, detail) in broken.items():
            alerts.append(
                _open_or_update(
                    plan=plan,
                    step_id=step_id,
                    reason=reason,
                    detail=f"{detail} {move}"[:300],
                    moved_id=appointment_id,
                    now=now,
                )
            )
        message = OutboundMessage.objects.create(
            appointment_id=appointment_id,
            patient_id=plan.patient_id,
            kind=NOTICE,
            scheduled_for=now,
            channel=OutboundMessage.Channel.EMAIL,
        )
        message_enqueue(message_id=message.pk)
    return alerts


def _open_or_update(
    *, plan: CarePlan, step_id: int, reason: str, detail: str, moved_id: int, now: datetime
) -> RescheduleAlert:
    fields = {"reason": reason, "detail": detail, "moved_appointment_id": moved_id}
    try:
        with transaction.atomic():
            alert, created = RescheduleAlert.objects.get_or_create(
                step_id=step_id,
                handled_at=None,
                defaults={**fields, "plan": plan, "created_at": now},
            )
    except IntegrityError:  # a concurrent move opened it first
        alert, created = RescheduleAlert.objects.get(step_id=step_id, handled_at=None), False
    if not created:
        RescheduleAlert.objects.filter(pk=alert.pk).update(**fields)
    return alert


def reschedule_alert_handle(*, alert: RescheduleAlert, acting_user, now: datetime) -> bool:
    """Someone has dealt with it (moved the visit, told the patient): it leaves the front desk.
    The first to mark it counts; returns whether this call did."""
    return bool(
        RescheduleAlert.objects.filter(pk=alert.pk, handled_at__isnull=True).update(
            handled_at=now, handled_by=acting_user
        )
    )


def _plan_of(message: OutboundMessage) -> CarePlan | None:
    step = (
        CarePlanStep.objects.select_related("plan__clinician__user")
        .filter(appointment_id=message.appointment_id)
        .first()
    )
    return step.plan if step else None


def _skip_reason(message: OutboundMessage, profile: ClinicProfile, now: datetime) -> str:
    plan = _plan_of(message)
    if plan is None or not plan.is_active:
        return "The plan has ended."
    if not plan.reschedule_alerts.filter(handled_at__isnull=True).exists():
        return "Already handled."
    return ""


def _build(message: OutboundMessage, profile: ClinicProfile):
    plan = _plan_of(message)
    user = plan.clinician.user if plan else None
    if user is None or not user.email:
        return None
    context = {
        "clinic": profile,
        "link": absolute(reverse("admin:care_reschedulealert_changelist") + "?handled=open"),
    }
    _name, from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    email = EmailMultiAlternatives(
        subject=_("A care plan needs rescheduling"),
        body=render_to_string("emails/care_plan_reschedule.txt", context),
        from_email=formataddr((profile.name, from_address)),
        to=[user.email],
        headers={"X-Clinic-Message": str(message.pk), "Auto-Submitted": "auto-generated"},
    )
    email.attach_alternative(
        render_to_string("emails/care_plan_reschedule.html", context), "text/html"
    )
    return email


def register() -> None:
    message_kind_register(kind=NOTICE, build=_build, skip_reason=_skip_reason)
