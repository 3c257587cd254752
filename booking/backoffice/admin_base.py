"""What every back-office admin shares: read-only history pages and who-sees-what helpers.

Who sees what is set by the groups in booking/backoffice/roles.py; a user without
`booking.view_all_schedules` (a clinician) sees only their own appointments and patients, and
only `booking.view_health_details` shows the intake.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from booking.models import (
    Appointment,
)
from booking.scheduling.clock import clinic_zone

Status = Appointment.Status


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """The change history to read, never to revert: a revert would .save() an old version of the
    row, past the booking services (their checks, notifications and audit reason)."""

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


def sees_all_schedules(request: HttpRequest) -> bool:
    return request.user.has_perm("booking.view_all_schedules")


def sees_health_details(request: HttpRequest) -> bool:
    return request.user.has_perm("booking.view_health_details")


def as_local(dt):
    return timezone.localtime(dt, clinic_zone())
