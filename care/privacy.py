"""care's part of the patient's data rights, plugged into booking's data-rights services
(export, anonymise, retention, and merging two records of one person) through
`booking.interface.data_contributor_register`.

Anonymising blanks the item-level answers and the consent signatures, ends open plans and
revokes the plan's private link. The total scores stay, now about an anonymous patient: the
clinic's outcome figures still add up (as booking keeps the anonymised appointments).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import F

from booking.interface import DataContributor, clinic_profile_get
from care.models import CarePlan, ConsentRecord, Response, SafetyAlert, TimePoint

NAME = "care"
ANONYMISED_SIGNATURE = "Anonymised"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if value is not None and not isinstance(value, bool | int | float | str | dict | list):
        return str(value)  # Decimal
    return value


def _row(instance, fields: list[str]) -> dict[str, Any]:
    return {name: _plain(getattr(instance, name)) for name in fields}


def care_export(patient_id: int) -> dict[str, Any]:
    """The patient's plans, each with its steps, time points, answers, alerts and consents."""
    plans = list(
        CarePlan.objects.filter(patient_id=patient_id)
        .select_related("template", "clinician")
        .prefetch_related("steps", "time_points__responses__instrument", "consents__text")
        .order_by("started_at", "pk")
    )
    alerts: dict[int, list[SafetyAlert]] = {}
    for alert in SafetyAlert.objects.filter(plan__patient_id=patient_id).order_by("pk"):
        alerts.setdefault(alert.plan_id, []).append(alert)
    exported = []
    for plan in plans:
        exported.append(
            {
                **_row(plan, ["id", "status", "started_at", "ended_at", "end_reason"]),
                "outcomes_opted_out_at": _plain(plan.outcomes_opted_out_at),
                "template": plan.template.name,
                "clinician": str(plan.clinician),
                "steps": [_row(step, ["position", "appointment_id"]) for step in plan.steps.all()],
                "time_points": [
                    {
                        **_row(point, ["days_after_procedure", "due_at", "answered_at"]),
                        "answers": [
                            {
                                "instrument": response.instrument.name,
                                **_row(response, ["answers", "score", "submitted_at"]),
                            }
                            for response in point.responses.all()
                        ],
                    }
                    for point in plan.time_points.all()
                ],
                "safety_alerts": [
                    _row(alert, ["response_id", "created_at", "seen_at"])
                    for alert in alerts.get(plan.pk, [])
                ],
                "consents": [
                    {
                        "text": f"{record.text.title} (version {record.text.version})",
                        **_row(
                            record,
                            [
                                "action",
                                "signed_name",
                                "signer_relationship",
                                "date_of_birth_confirmed",
                                "language",
                                "recorded_at",
                            ],
                        ),
                    }
                    for record in plan.consents.all()
                ],
            }
        )
    return {"plans": exported}


def care_anonymise(patient_id: int, now: datetime) -> int:
    plans = CarePlan.objects.filter(patient_id=patient_id)
    plans.filter(status=CarePlan.Status.ACTIVE).update(status=CarePlan.Status.ENDED, ended_at=now)
    # A reason is free text a clinician typed; the new link version revokes the old link.
    plans.update(end_reason="", link_version=F("link_version") + 1)
    answers = Response.objects.filter(time_point__plan__patient_id=patient_id).update(
        answers={}, anonymised_at=now
    )
    consents = ConsentRecord.objects.filter(plan__patient_id=patient_id).update(
        signed_name=ANONYMISED_SIGNATURE, signer_relationship="", anonymised_at=now
    )
    return answers + consents


def care_admin_objects(patient_id: int) -> dict[type, list[int]]:
    return {
        CarePlan: list(CarePlan.objects.filter(patient_id=patient_id).values_list("pk", flat=True)),
        TimePoint: list(
            TimePoint.objects.filter(plan__patient_id=patient_id).values_list("pk", flat=True)
        ),
        Response: list(
            Response.objects.filter(time_point__plan__patient_id=patient_id).values_list(
                "pk", flat=True
            )
        ),
        SafetyAlert: list(
            SafetyAlert.objects.filter(plan__patient_id=patient_id).values_list("pk", flat=True)
        ),
        ConsentRecord: list(
            ConsentRecord.objects.filter(plan__patient_id=patient_id).values_list("pk", flat=True)
        ),
    }


def care_answers_expire(now: datetime) -> dict[int, int]:
    """Item-level answers of finished plans, the clinic's intake retention after they were
    given, are blanked (the score stays for the outcome figures). Idempotent."""
    cutoff = now - timedelta(days=clinic_profile_get().intake_retention_days)
    expired = Response.objects.filter(anonymised_at__isnull=True, submitted_at__lt=cutoff).exclude(
        time_point__plan__status=CarePlan.Status.ACTIVE
    )
    per_patient: dict[int, int] = {}
    for patient_id in expired.values_list("time_point__plan__patient_id", flat=True):
        per_patient[patient_id] = per_patient.get(patient_id, 0) + 1
    if per_patient:
        Response.objects.filter(pk__in=expired.values("pk")).update(answers={}, anonymised_at=now)
    return per_patient


def care_merge(keep_id: int, duplicate_id: int) -> int:
    """Two records of one person merged: the duplicate's plans (and with them their steps,
    answers and consents) belong to the kept record."""
    return CarePlan.objects.filter(patient_id=duplicate_id).update(patient_id=keep_id)


def care_counts(patient_id: int) -> dict[str, int]:
    return {"Care plans": CarePlan.objects.filter(patient_id=patient_id).count()}


CONTRIBUTOR = DataContributor(
    name=NAME,
    export=care_export,
    anonymise=care_anonymise,
    admin_objects=care_admin_objects,
    expire=care_answers_expire,
    merge=care_merge,
    counts=care_counts,
)
