"""The care plan's private link: subject "p" in booking's link registry.

The patient's plan page, the booking of the next step, the questionnaires and the consent all
open through it; staff revoke it by raising the plan's link_version.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.urls import reverse

from booking.interface import (
    clinic_profile_get,
    link_expired,
    link_subject_for_token,
    link_subject_register,
    link_token,
)
from care.models import CarePlan

PLAN = "p"


def _resolve(reference: str, queryset=None) -> CarePlan | None:
    queryset = queryset if queryset is not None else CarePlan.objects.all()
    return queryset.filter(reference=reference).first()


def _expires_at(plan: CarePlan) -> datetime | None:
    # Open while the plan runs (questionnaires come for a year); after it ends, the clinic's
    # usual private-link days.
    if plan.ended_at is None:
        return None
    return plan.ended_at + timedelta(days=clinic_profile_get().private_link_days)


def register() -> None:
    link_subject_register(
        PLAN,
        _resolve,
        version=lambda plan: plan.link_version,
        expires_at=_expires_at,
        landing=lambda token: reverse("care:plan", args=[token]),
        model=CarePlan,
    )


def plan_token(plan: CarePlan) -> str:
    return link_token(plan, prefix=PLAN)


def plan_for_token(token: str, queryset=None) -> CarePlan | None:
    return link_subject_for_token(token, prefix=PLAN, queryset=queryset)


def plan_link_expired(plan: CarePlan, *, now: datetime) -> bool:
    return link_expired(plan, prefix=PLAN, now=now)
