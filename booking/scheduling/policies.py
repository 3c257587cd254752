"""Who may book a plan-only consultation type, decided by checks other apps register.

A consultation type marked `plan_only` (a procedure, a follow-up) is hidden from public booking:
it can be booked by staff, or by a patient when a registered check allows it, e.g. the care app
allowing a booking inside a started plan's window. `booking` never imports the apps that
register checks; they call `plan_booking_check_register` from their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from booking.models import ConsultationType


@dataclass(frozen=True, kw_only=True)
class PlanBookingRequest:
    consultation_type_id: int
    start: datetime
    # The patient making the booking, when known (a private link names them); None for an
    # anonymous public booking, which no plan can allow.
    patient_id: int | None
    # Whatever the registering app needs to find its plan step (e.g. {"care_step": 12}).
    context: dict


PlanBookingCheck = Callable[[PlanBookingRequest], bool]
_checks: list[PlanBookingCheck] = []


def plan_booking_check_register(check: PlanBookingCheck) -> None:
    if check not in _checks:
        _checks.append(check)


def plan_booking_check_unregister(check: PlanBookingCheck) -> None:
    if check in _checks:
        _checks.remove(check)


def plan_booking_allowed(
    *, consultation_type: ConsultationType, request: PlanBookingRequest | None
) -> bool:
    """Whether a patient may book this type: always for an open type; for a plan-only type only
    when a registered check allows this request."""
    if not consultation_type.plan_only:
        return True
    if request is None:
        return False
    return any(check(request) for check in _checks)


@dataclass(frozen=True, kw_only=True)
class StatusChangeRequest:
    appointment_id: int
    consultation_type_id: int
    patient_id: int
    status: str  # the status asked for


# A guard returns "" to allow the change, or why not (shown to staff; no health detail).
StatusGuard = Callable[[StatusChangeRequest], str]
_status_guards: list[StatusGuard] = []


def status_guard_register(guard: StatusGuard) -> None:
    """Let another app refuse a status change (e.g. care: no procedure marked arrived or
    completed without a signed consent on the current version)."""
    if guard not in _status_guards:
        _status_guards.append(guard)


def status_guard_unregister(guard: StatusGuard) -> None:
    if guard in _status_guards:
        _status_guards.remove(guard)


def status_change_refusal(request: StatusChangeRequest) -> str:
    for guard in _status_guards:
        refusal = guard(request)
        if refusal:
            return refusal
    return ""
