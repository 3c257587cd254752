"""The offer email goes through the ledger, once, with the link to take it and no health detail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking.models import Intake, OutboundMessage, WaitlistOffer
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

MARKER = "SECRET-HEALTH-DETAIL"


def test_offer_email_has_the_time_and_link_and_no_health_details(
    entry_factory, cancel_visit, mailoutbox, ctype, doctor, slot
):
    entry = entry_factory()
    earlier = AppointmentFactory(
        patient=entry.patient,
        consultation_type=ctype,
        practitioner=doctor,
        start=slot + timedelta(days=21),
    )
    Intake.objects.filter(appointment=earlier).update(note=MARKER, imaging=MARKER)

    cancel_visit()

    offer = WaitlistOffer.objects.get(entry=entry)
    message = OutboundMessage.objects.get(waitlist_offer=offer)
    assert message.status == "sent"
    offer_mails = [m for m in mailoutbox if m.to == [entry.patient.email]]
    assert len(offer_mails) == 1
    sent = offer_mails[0]
    html = sent.alternatives[0][0]
    assert f"/offers/{offer.pk}/" in sent.body
    assert "Dr. Ada Reyes" in sent.body
    for part in (sent.subject, sent.body, html):
        assert MARKER not in part
