"""The waitlist in the patient's data rights: the export holds every entry, offer and email,
and the urgency reason (health data) too; the staff ids behind them stay out."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from django.contrib.auth.models import Permission

from booking.models import OutboundMessage
from booking.patients.data_rights import patient_export_json
from tests.factories import (
    OutboundMessageFactory,
    PatientFactory,
    UserFactory,
    WaitlistEntryFactory,
    WaitlistOfferFactory,
)

pytestmark = pytest.mark.django_db


def _staff(codename: str):
    user = UserFactory()
    user.user_permissions.set(Permission.objects.filter(codename=codename))
    return type(user).objects.get(pk=user.pk)


def test_the_export_holds_the_patients_waitlist_entries_offers_and_emails():
    patient = PatientFactory()
    clinician = UserFactory()
    entry = WaitlistEntryFactory(
        patient=patient, urgent=True, urgent_reason="Knee locks daily", urgent_by=clinician
    )
    WaitlistEntryFactory(patient=patient, status="left")
    WaitlistEntryFactory()  # someone else's
    offer = WaitlistOfferFactory(entry=entry)
    OutboundMessageFactory(
        appointment=None, waitlist_offer=offer, patient=patient, kind="waitlist_offer"
    )
    OutboundMessageFactory(
        appointment=None, waitlist_entry=entry, patient=patient, kind="waitlist_confirm"
    )

    data = json.loads(
        patient_export_json(patient=patient, acting_user=_staff("export_patient_data"))
    )

    entries = data["waitlist_entries"]
    assert len(entries) == 2
    first = next(e for e in entries if e["id"] == entry.pk)
    assert first["urgent_reason"] == "Knee locks daily"
    assert first["practitioner_name"] == "Anyone"
    assert "urgent_by_id" not in first
    assert "link_version" not in first
    assert [m["kind"] for m in first["messages"]] == ["waitlist_confirm"]
    (exported_offer,) = first["offers"]
    assert datetime.fromisoformat(exported_offer["time_offered"]) == offer.hold.start
    assert [m["kind"] for m in exported_offer["messages"]] == ["waitlist_offer"]
    assert OutboundMessage.objects.count() == 2
