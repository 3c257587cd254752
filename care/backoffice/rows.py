"""Who sees which care rows: a clinician their own plans, the manager and reception all plans;
answers, alerts and consents only the plan's clinician and the manager (their permissions)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest


def sees_all_plans(request: HttpRequest) -> bool:
    return request.user.has_perm("booking.view_all_schedules")


def own_rows(request: HttpRequest, queryset: QuerySet, *, plan_path: str) -> QuerySet:
    """`queryset` cut to the user's own plans unless they see every schedule."""
    if sees_all_plans(request):
        return queryset
    return queryset.filter(**{f"{plan_path}clinician__user": request.user})


def sees_outcomes(request: HttpRequest) -> bool:
    return request.user.has_perm("care.view_outcomes")


def sees_consents(request: HttpRequest) -> bool:
    return request.user.has_perm("care.view_consents")
