"""What every back-office admin shares: read-only history pages and who-sees-what helpers.

Who sees what is set by the groups in booking/backoffice/roles.py; a user without
`booking.view_all_schedules` (a clinician) sees only their own appointments and patients, and
only `booking.view_health_details` shows the intake.
"""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from simple_history.admin import SimpleHistoryAdmin

from booking.models import (
    Appointment,
)
from booking.scheduling.clock import clinic_zone

Status = Appointment.Status


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """The change history to read, never to revert: a revert would .save() an old version of the
    row, past the booking services (their checks, notifications and audit reason).

    simple-history's history pages do not go through `get_queryset` (the list falls back to the
    latest historical row, the detail reads the historical table directly), so a clinician
    could read the history of a patient they cannot open. Both pages first require the object
    in this admin's queryset, the same row rules as the change page. Patients and appointments
    are never deleted, so no history of a deleted row is lost by this.
    """

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def visible_object_or_404(self, request: HttpRequest, object_id: str):
        obj = self.get_object(request, unquote(str(object_id)))
        if obj is None:
            raise Http404
        return obj

    def history_view(self, request, object_id, extra_context=None):
        self.visible_object_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        self.visible_object_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


def sees_all_schedules(request: HttpRequest) -> bool:
    return request.user.has_perm("booking.view_all_schedules")


def sees_health_details(request: HttpRequest) -> bool:
    return request.user.has_perm("booking.view_health_details")


def as_local(dt):
    return timezone.localtime(dt, clinic_zone())


def local_datetime(dt) -> str:
    """A moment as every back-office page writes it (clinic/formats/en/formats.py)."""
    return date_format(as_local(dt), "DATETIME_FORMAT")


def local_time(dt) -> str:
    return date_format(as_local(dt), "TIME_FORMAT")
