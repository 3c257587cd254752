"""Who changed an appointment or a patient, and why: simple-history rows written by the services."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from booking.models import Appointment


def record_history(appointment: Appointment, acting_user, reason: str) -> None:
    user = acting_user if acting_user is not None and acting_user.is_authenticated else None
    appointment._history_user = user
    appointment.history.model.objects.create(
        **{
            f.attname: getattr(appointment, f.attname)
            for f in appointment.history.model.tracked_fields
        },
        history_date=timezone.now(),
        history_type="~",
        history_user=user,
        history_change_reason=reason,
    )


def user_or_none(user: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return user if user is not None and user.is_authenticated else None
