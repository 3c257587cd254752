"""Procedure consent: the current text for the plan's procedure, signing through the patient's
private link, withdrawing (a new record, never an edit), and the status guard that keeps a
procedure from being marked arrived or completed without a signature on the current version.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from booking.interface import StatusChangeRequest
from care.messages import consent_copy_queue
from care.models import CarePlan, CarePlanStep, ConsentRecord, ConsentText

GUARDED_STATUSES = ("arrived", "completed")


class ConsentInvalid(Exception):
    """A field the patient must correct: `field` names it, `message` is safe to show (lazy: it
    is read in the page's language)."""

    def __init__(self, field: str, message):
        self.field, self.message = field, message
        super().__init__(message)


def procedure_type_id(plan: CarePlan) -> int | None:
    step = (
        plan.template.steps.filter(is_procedure=True).values_list("consultation_type_id", flat=True)
    ).first()
    return step


def consent_text_current(*, consultation_type_id: int | None, now: datetime) -> ConsentText | None:
    if consultation_type_id is None:
        return None
    return (
        ConsentText.objects.filter(consultation_type_id=consultation_type_id, published_at__lte=now)
        .order_by("-version")
        .first()
    )


def consent_latest(*, plan: CarePlan, consultation_type_id: int) -> ConsentRecord | None:
    return (
        ConsentRecord.objects.filter(plan=plan, text__consultation_type_id=consultation_type_id)
        .select_related("text")
        .order_by("-recorded_at", "-pk")
        .first()
    )


def consent_is_current(*, plan: CarePlan, now: datetime) -> bool:
    """Signed on the current version and not withdrawn since (True when the clinic has no
    consent text for this procedure)."""
    type_id = procedure_type_id(plan)
    text = consent_text_current(consultation_type_id=type_id, now=now)
    if text is None:
        return True
    latest = consent_latest(plan=plan, consultation_type_id=type_id)
    return (
        latest is not None
        and latest.action == ConsentRecord.Action.SIGNED
        and latest.text_id == text.pk
    )


def _check_identity(plan: CarePlan, *, typed_name: str, date_of_birth: date | None) -> str:
    name = " ".join(typed_name.split())[:200]
    if len(name) < 2:
        raise ConsentInvalid("full_name", gettext_lazy("Type your full name."))
    if plan.patient.date_of_birth is None or date_of_birth != plan.patient.date_of_birth:
        raise ConsentInvalid(
            "date_of_birth",
            gettext_lazy("That date of birth does not match our records. Please call the clinic."),
        )
    return name


def words_language(text: ConsentText, *, reader_language: str) -> str:
    """The language of the words a reader of `reader_language` is shown: the Spanish body when
    the version has one, else the English (with a note on the page)."""
    return "es" if reader_language == "es" and text.body_es.strip() else "en"


def consent_sign(
    *,
    plan: CarePlan,
    text_id: int,
    typed_name: str,
    date_of_birth: date | None,
    relationship: str = "",
    reader_language: str = "en",
    now: datetime | None = None,
) -> ConsentRecord:
    """Record a signature on the version the patient read (refused if a newer one exists), in
    the language of the words they were shown."""
    now = now or timezone.now()
    name = _check_identity(plan, typed_name=typed_name, date_of_birth=date_of_birth)
    text = consent_text_current(consultation_type_id=procedure_type_id(plan), now=now)
    if text is None or text.pk != text_id:
        raise ConsentInvalid(
            "text", gettext_lazy("The consent text has changed. Please read it again.")
        )
    with transaction.atomic():
        record = ConsentRecord.objects.create(
            plan=plan,
            text=text,
            action=ConsentRecord.Action.SIGNED,
            signed_name=name,
            signer_relationship=" ".join(relationship.split())[:100],
            date_of_birth_confirmed=True,
            language=words_language(text, reader_language=reader_language),
            recorded_at=now,
        )
        consent_copy_queue(plan=plan, now=now)
    return record


def consent_withdraw(
    *,
    plan: CarePlan,
    typed_name: str,
    date_of_birth: date | None,
    reader_language: str = "en",
    now: datetime | None = None,
) -> ConsentRecord:
    now = now or timezone.now()
    name = _check_identity(plan, typed_name=typed_name, date_of_birth=date_of_birth)
    type_id = procedure_type_id(plan)
    latest = consent_latest(plan=plan, consultation_type_id=type_id) if type_id else None
    if latest is None or latest.action != ConsentRecord.Action.SIGNED:
        raise ConsentInvalid("text", gettext_lazy("There is no signed consent to withdraw."))
    with transaction.atomic():
        record = ConsentRecord.objects.create(
            plan=plan,
            text=latest.text,
            action=ConsentRecord.Action.WITHDRAWN,
            signed_name=name,
            date_of_birth_confirmed=True,
            # The withdrawal's words are the page's own, in the language it was shown in.
            language="es" if reader_language == "es" else "en",
            recorded_at=now,
        )
        consent_copy_queue(plan=plan, now=now)
    return record


def procedure_status_guard(request: StatusChangeRequest) -> str:
    if request.status not in GUARDED_STATUSES:
        return ""
    step = (
        CarePlanStep.objects.select_related("plan__template")
        .filter(appointment_id=request.appointment_id, template_step__is_procedure=True)
        .first()
    )
    if step is None or consent_is_current(plan=step.plan, now=timezone.now()):
        return ""
    return (
        "The patient has not signed the current consent for this procedure: they sign it "
        "through their plan's private link before the procedure."
    )
