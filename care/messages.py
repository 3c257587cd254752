"""Outcome questionnaire emails through booking's ledger, the plan's time point as subject: one
invitation per due time point, one reminder if it is still unanswered some days later, nothing
after the plan ends or the patient opts out. The email carries no health detail: a greeting,
the clinic and the private link.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from booking.interface import (
    ClinicProfile,
    OutboundMessage,
    absolute,
    message_enqueue,
    message_kind_register,
)
from care.links import plan_token
from care.models import CarePlan, TimePoint

INVITE = "care_outcomes"
REMINDER = "care_outcomes_reminder"
KINDS = (INVITE, REMINDER)
# A copy of a consent signature or withdrawal: a link to the consent page, nothing else. About
# the patient as a whole (no subject): the build finds their most recent consent's plan.
CONSENT_COPY = "care_consent_copy"


def _headers(message: OutboundMessage) -> dict[str, str]:
    return {
        "X-Clinic-Message": str(message.pk),
        "Auto-Submitted": "auto-generated",
        # Built inside the ledger's override of the patient's language (RFC 3282).
        "Content-Language": translation.get_language(),
    }


def skip_reason(message: OutboundMessage, profile: ClinicProfile, now: datetime) -> str:
    point = message.time_point
    if point is None:
        return "No time point."
    plan = point.plan
    if plan.patient.anonymised_at is not None:
        return "The patient's record is anonymised."
    if plan.status != CarePlan.Status.ACTIVE:
        return "The plan has ended."
    if plan.outcomes_opted_out_at is not None:
        return "The patient opted out of questionnaires."
    if point.answered_at is not None:
        return "Already answered."
    return ""


def build(message: OutboundMessage, profile: ClinicProfile):
    plan = message.time_point.plan
    recipient = plan.patient.email
    if not recipient:
        return None
    context = {
        "clinic": profile,
        "link": absolute(reverse("care:plan", args=[plan_token(plan)])),
        "reminder": message.kind == REMINDER,
    }
    from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    email = EmailMultiAlternatives(
        subject=_("A few questions from %(clinic)s") % {"clinic": profile.name},
        body=render_to_string("emails/care_outcomes.txt", context),
        from_email=formataddr((profile.name, from_address)),
        to=[recipient],
        headers=_headers(message),
    )
    email.attach_alternative(render_to_string("emails/care_outcomes.html", context), "text/html")
    return email


def _consent_skip_reason(message: OutboundMessage, profile: ClinicProfile, now: datetime) -> str:
    if message.patient.anonymised_at is not None:
        return "The patient's record is anonymised."
    return ""


def _consent_build(message: OutboundMessage, profile: ClinicProfile):
    plan = (
        CarePlan.objects.filter(patient_id=message.patient_id, consents__isnull=False)
        .order_by("-consents__recorded_at")
        .first()
    )
    if plan is None or not message.patient.email:
        return None
    context = {
        "clinic": profile,
        "link": absolute(reverse("care:consent", args=[plan_token(plan)])),
    }
    from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return EmailMultiAlternatives(
        subject=_("Your consent form at %(clinic)s") % {"clinic": profile.name},
        body=render_to_string("emails/care_consent_copy.txt", context),
        from_email=formataddr((profile.name, from_address)),
        to=[message.patient.email],
        headers=_headers(message),
    )


def consent_copy_queue(*, plan: CarePlan, now: datetime) -> None:
    message = OutboundMessage.objects.create(
        patient_id=plan.patient_id,
        kind=CONSENT_COPY,
        scheduled_for=now,
        channel=OutboundMessage.Channel.EMAIL,
    )
    message_enqueue(message_id=message.pk)


def register() -> None:
    for kind in KINDS:
        message_kind_register(kind=kind, build=build, skip_reason=skip_reason)
    message_kind_register(kind=CONSENT_COPY, build=_consent_build, skip_reason=_consent_skip_reason)


def _row(point: TimePoint, kind: str, moment: datetime) -> int | None:
    try:
        with transaction.atomic():
            message, created = OutboundMessage.objects.get_or_create(
                time_point=point,
                kind=kind,
                scheduled_for=moment,
                channel=OutboundMessage.Channel.EMAIL,
                defaults={"patient_id": point.plan.patient_id},
            )
    except IntegrityError:
        return None  # a concurrent scan wrote it
    return message.pk if created else None


def questionnaires_scan(*, now: datetime | None = None) -> int:
    """Write the invitation and reminder rows that have fallen due, and queue them; returns how
    many were written. Idempotent: the ledger's unique constraint makes each row once."""
    now = now or timezone.now()
    due = (
        TimePoint.objects.filter(
            due_at__lte=now,
            answered_at__isnull=True,
            plan__status=CarePlan.Status.ACTIVE,
            plan__outcomes_opted_out_at__isnull=True,
        )
        .exclude(messages__kind=REMINDER)
        .select_related("plan__template__outcome_schedule")
    )
    written = []
    for point in due:
        schedule = point.plan.template.outcome_schedule
        if schedule is None:
            continue
        written.append(_row(point, INVITE, point.due_at))
        remind_at = point.due_at + timedelta(days=schedule.reminder_after_days)
        if remind_at <= now:
            written.append(_row(point, REMINDER, remind_at))
    ids = [pk for pk in written if pk is not None]
    for pk in ids:
        message_enqueue(message_id=pk)
    return len(ids)
