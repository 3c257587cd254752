"""A patient's waitlist data in their export, and what anonymising does to it.

Reads and writes the waitlist's models directly (never booking.waitlist, which imports this
room's identity services: the no-cycles contract). The urgency reason is a clinician's note on
the patient's condition, so it is health data: exported to the patient, blanked on anonymise.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from booking.models import OutboundMessage, WaitlistEntry, WaitlistOffer

# Staff user ids and the link counter are the clinic's internals, not the patient's data.
ENTRY_EXPORT_EXCLUDE = ("urgent_by_id", "added_by_id", "link_version")
OPEN_ENTRY = (WaitlistEntry.Status.PENDING, WaitlistEntry.Status.ACTIVE)
UNSENT = (OutboundMessage.Status.PENDING, OutboundMessage.Status.FAILED)


def waitlist_export(*, patient_id: int, row) -> list[dict[str, Any]]:
    """The patient's entries, each with its offers (the time offered) and its emails, in four
    queries; `row` is data_rights' model-to-plain-dict function."""
    entries = list(
        WaitlistEntry.objects.filter(patient_id=patient_id)
        .select_related("consultation_type", "practitioner")
        .order_by("created_at", "pk")
    )
    entry_ids = [entry.pk for entry in entries]
    offers = list(
        WaitlistOffer.objects.filter(entry_id__in=entry_ids)
        .select_related("hold", "hold__practitioner")
        .order_by("created_at", "pk")
    )
    messages: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for message in OutboundMessage.objects.filter(
        patient_id=patient_id, appointment__isnull=True
    ).order_by("scheduled_for", "pk"):
        if message.waitlist_entry_id:
            key = ("entry", message.waitlist_entry_id)
        elif message.waitlist_offer_id:
            key = ("offer", message.waitlist_offer_id)
        else:
            continue
        messages.setdefault(key, []).append(row(message, exclude=("lease_until",)))
    offers_by_entry: dict[int, list[dict[str, Any]]] = {}
    for offer in offers:
        offers_by_entry.setdefault(offer.entry_id, []).append(
            {
                **row(offer),
                "time_offered": row(offer.hold)["start"],
                "practitioner_name": str(offer.hold.practitioner),
                "messages": messages.get(("offer", offer.pk), []),
            }
        )
    return [
        {
            **row(entry, exclude=ENTRY_EXPORT_EXCLUDE),
            "consultation_type_name": entry.consultation_type.name,
            "practitioner_name": str(entry.practitioner) if entry.practitioner_id else "Anyone",
            "offers": offers_by_entry.get(entry.pk, []),
            "messages": messages.get(("entry", entry.pk), []),
        }
        for entry in entries
    ]


def waitlist_anonymise(*, patient_id: int, now: datetime) -> list[int]:
    """Close the patient's open entries and offers, stop their unsent emails, blank the urgency
    reason; returns the entry ids (for the admin log scrub). The rows stay for the figures."""
    entries = WaitlistEntry.objects.filter(patient_id=patient_id)
    entry_ids = list(entries.values_list("pk", flat=True))
    entries.filter(status__in=OPEN_ENTRY).update(status=WaitlistEntry.Status.LEFT, ended_at=now)
    entries.update(urgent_reason="")
    WaitlistOffer.objects.filter(entry_id__in=entry_ids, status=WaitlistOffer.Status.OPEN).update(
        status=WaitlistOffer.Status.LAPSED, ended_at=now
    )
    # An offer or confirmation still queued would go to an address we no longer hold.
    OutboundMessage.objects.filter(
        patient_id=patient_id, appointment__isnull=True, status__in=UNSENT
    ).update(status=OutboundMessage.Status.SKIPPED)
    return entry_ids
