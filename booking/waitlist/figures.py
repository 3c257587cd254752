"""What staff see of the waitlist per consultation type: entries, offers, outcomes, speed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from statistics import median

from django.db.models import Count, Q

from booking.models import ConsultationType, WaitlistEntry, WaitlistHold, WaitlistOffer


@dataclass(frozen=True)
class TypeFigures:
    type_name: str
    open_entries: int
    offers_made: int
    offers_taken: int
    offers_lapsed: int
    entries_expired: int
    median_rebooking: timedelta | None


def waitlist_figures() -> list[TypeFigures]:
    """One row per type that has had entries: four grouped queries whatever the volume."""
    Status = WaitlistEntry.Status
    entries = {
        row["consultation_type"]: row
        for row in WaitlistEntry.objects.values("consultation_type").annotate(
            open=Count("pk", filter=Q(status__in=[Status.PENDING, Status.ACTIVE])),
            expired=Count("pk", filter=Q(status=Status.EXPIRED)),
        )
    }
    offers = {
        row["hold__consultation_type"]: row
        for row in WaitlistOffer.objects.values("hold__consultation_type").annotate(
            made=Count("pk"),
            taken=Count("pk", filter=Q(status=WaitlistOffer.Status.TAKEN)),
            lapsed=Count("pk", filter=Q(status=WaitlistOffer.Status.LAPSED)),
        )
    }
    gaps: dict[int, list[timedelta]] = {}
    for type_id, freed_at, ended_at in WaitlistHold.objects.filter(
        status=WaitlistHold.Status.TAKEN
    ).values_list("consultation_type_id", "freed_at", "ended_at"):
        gaps.setdefault(type_id, []).append(ended_at - freed_at)
    names = dict(
        ConsultationType.objects.filter(pk__in=set(entries) | set(offers)).values_list("pk", "name")
    )
    rows = []
    for type_id, name in sorted(names.items(), key=lambda item: item[1]):
        e, o = entries.get(type_id, {}), offers.get(type_id, {})
        rows.append(
            TypeFigures(
                type_name=name,
                open_entries=e.get("open", 0),
                offers_made=o.get("made", 0),
                offers_taken=o.get("taken", 0),
                offers_lapsed=o.get("lapsed", 0),
                entries_expired=e.get("expired", 0),
                median_rebooking=median(gaps[type_id]) if gaps.get(type_id) else None,
            )
        )
    return rows
