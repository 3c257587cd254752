"""Revoking and re-sending a patient's private link.

Every page that lets staff re-send a link (the appointment page today; a patient page, a care
plan later) calls `private_link_resend`: one place revokes, records and sends.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F

from booking.history import record_history
from booking.links.tokens import APPOINTMENT
from booking.messaging.notifications import manage_links_requested
from booking.models import Appointment, ShortLink


def private_link_resend(*, appointment: Appointment, acting_user: AbstractBaseUser) -> Appointment:
    """Revoke every link sent for this visit (old full and short links stop working) and e-mail
    the patient a new one through the ledger (MANAGE_LINK)."""
    with transaction.atomic():
        Appointment.objects.filter(pk=appointment.pk).update(
            manage_token_version=F("manage_token_version") + 1
        )
        appointment.refresh_from_db()
        ShortLink.objects.filter(subject=APPOINTMENT, reference=appointment.reference).delete()
        record_history(appointment, acting_user, "Private link revoked and re-sent")
        manage_links_requested([appointment])
    return appointment
