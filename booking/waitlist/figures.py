"""What staff see of the waitlist per consultation type: entries, offers, outcomes, speed.
The speed (time from a freed slot to its rebooking) is also one of the manager's reports:
`rebooked_holds` and `median_rebooking_by` are what both read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from django.db.models import Count, Q, QuerySet

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


REBOOKING_DEFINITION = (
    "Time to rebooking runs from the commit that freed a visit's time (a cancellation or a "
    "move) to the moment a waitlist patient took it from an offer; freed times released to "
    "public booking are not counted."
)


def rebooked_holds() -> QuerySet[WaitlistHold]:
    """The freed times a waitlist patient took (one query to read, whatever the volume)."""
    return WaitlistHold.objects.filter(status=WaitlistHold.Status.TAKEN, ended_at__isnull=False)


def median_rebooking_by(rows: Iterable[tuple[object, datetime, datetime]]) -> dict:
    """{key: median time from freed to taken} from (key, freed_at, ended_at) rows."""
    gaps: dict[object, list[timedelta]] = {}
    for key, freed_at, ended_at in rows:
        gaps.setdefault(key, []).append(ended_at - freed_at)
    return {key: median(values) for key, values in gaps.items()}


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
    rebooking = median_rebooking_by(
        rebooked_holds().values_list("consultation_type_id", "freed_at", "ended_at")
    )
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
                median_rebooking=rebooking.get(type_id),
            )
        )
    return rows
