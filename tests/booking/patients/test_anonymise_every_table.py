"""After anonymising, the patient's name, email and phone are in no table of the database.

Every table Django's connection lists is read whole (every column, as text), so a copy of the
name in a table added later (a log, a history table, a ledger) fails this test until anonymise
scrubs it too.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from booking.models import Appointment, OutboundMessage, Patient
from booking.patients.data_rights import patient_anonymise
from tests.factories import (
    AppointmentFactory,
    OutboundMessageFactory,
    PatientFactory,
    UserFactory,
    WaitlistEntryFactory,
    WaitlistOfferFactory,
)

pytestmark = pytest.mark.django_db

NAME = "Philippa Wotherspoon"
EMAIL = "pippa.wotherspoon@example.org"
PHONE = "+447700900123"
SECRETS = [NAME, "Wotherspoon", EMAIL, PHONE, "7700900123"]


def _every_table_text() -> dict[str, str]:
    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            text = " ".join(str(value) for row in cursor.fetchall() for value in row)
            found[table] = text
    return found


def test_anonymise_leaves_no_copy_of_name_email_or_phone_in_any_table(admin_client):
    patient = PatientFactory(full_name=NAME, email=EMAIL, phone=PHONE)
    past = AppointmentFactory(
        patient=patient,
        start=timezone.now() - timedelta(days=40),
        contact_name=NAME,
        contact_email=EMAIL,
        contact_phone=PHONE,
        booked_for_someone_else=True,
        booker_name=NAME,
        cancellation_reason=f"{NAME} called",
        intake__note=f"{NAME} says hi, call {PHONE}",
    )
    OutboundMessageFactory(appointment=past, last_error=f"550 {EMAIL} rejected")
    OutboundMessageFactory(
        appointment=past, channel=OutboundMessage.Channel.SMS, last_error=f"SMS to {PHONE} failed"
    )
    # The waitlist: an urgent entry (its reason quotes the patient), its confirmation email and
    # an offer whose email failed.
    entry = WaitlistEntryFactory(
        patient=patient, urgent=True, urgent_reason=f"{NAME} cannot walk, call {PHONE}"
    )
    offer = WaitlistOfferFactory(entry=entry)
    OutboundMessageFactory(
        appointment=None, waitlist_entry=entry, patient=patient, kind="waitlist_confirm"
    )
    OutboundMessageFactory(
        appointment=None,
        waitlist_offer=offer,
        patient=patient,
        kind="waitlist_offer",
        status=OutboundMessage.Status.FAILED,
        last_error=f"550 {EMAIL} rejected",
    )
    # The admin's own log, as a staff edit writes it (object_repr is str(patient)).
    for obj in (patient, past, entry):
        LogEntry.objects.log_actions(
            user_id=UserFactory().pk, queryset=[obj], action_flag=CHANGE, change_message=NAME
        )
    # A history page view and an admin search, as staff would do.
    admin_client.get(f"/admin/booking/patient/{patient.pk}/history/")
    patient.full_name = NAME  # a second history row
    patient.save()

    before = _every_table_text()
    assert any(NAME in text for text in before.values())

    manager = UserFactory()
    manager.user_permissions.set(Permission.objects.filter(codename="anonymise_patient"))
    manager = type(manager).objects.get(pk=manager.pk)
    patient_anonymise(patient=patient, acting_user=manager)

    leaks = {
        table: [s for s in SECRETS if s.lower() in text.lower()]
        for table, text in _every_table_text().items()
    }
    assert {t: s for t, s in leaks.items() if s} == {}
    assert Appointment.objects.filter(patient=patient).count() == 1
    entry.refresh_from_db()
    offer.refresh_from_db()
    assert (entry.status, entry.urgent_reason, offer.status) == ("left", "", "lapsed")
    assert not OutboundMessage.objects.filter(
        patient=patient, status__in=["pending", "failed"]
    ).exists()
    assert ContentType.objects.get_for_model(Patient)
