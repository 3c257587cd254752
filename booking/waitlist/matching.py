"""Who is offered a held time: matching active entries, urgent first, then longest waiting."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q

from booking.models import Appointment, ClinicProfile, WaitlistEntry, WaitlistHold, WaitlistOffer
from booking.scheduling.clock import clinic_zone
from booking.scheduling.loader import rules_for
from booking.waitlist.rules import EntryWish, slot_suits


def hold_within_rules(hold: WaitlistHold, *, profile: ClinicProfile, now: datetime) -> bool:
    """Whether patients may still book the held time (the type's notice and horizon)."""
    rules = rules_for(hold.consultation_type, profile)
    return now + rules.min_notice <= hold.start <= now + rules.horizon


def candidate_entries(hold: WaitlistHold, *, now: datetime):
    """Active entries of the hold's type whose dates and practitioner could fit (SQL side)."""
    day = hold.start.astimezone(clinic_zone()).date()
    return WaitlistEntry.objects.filter(
        status=WaitlistEntry.Status.ACTIVE,
        consultation_type_id=hold.consultation_type_id,
        expires_at__gt=now,
        earliest_date__lte=day,
        latest_date__gte=day,
        patient__anonymised_at__isnull=True,
    ).filter(Q(practitioner__isnull=True) | Q(practitioner_id=hold.practitioner_id))


def entries_matching(
    hold: WaitlistHold, *, profile: ClinicProfile, now: datetime, limit: int
) -> list[int]:
    """Up to `limit` entry ids for the next batch, in three queries whatever the list's size.

    Never an entry offered this hold before, nor two entries of one patient, nor a patient who
    has had the clinic's number of offers today.
    """
    if not hold_within_rules(hold, profile=profile, now=now):
        return []
    tz = clinic_zone()
    local_start = hold.start.astimezone(tz)
    rows = list(
        candidate_entries(hold, now=now)
        .exclude(pk__in=WaitlistOffer.objects.filter(hold=hold).values("entry_id"))
        .order_by("-urgent", "confirmed_at", "pk")
        .values_list(
            "pk",
            "patient_id",
            "practitioner_id",
            "earliest_date",
            "latest_date",
            "weekdays",
            "day_parts",
            "appointment__start",
            "appointment__status",
        )
    )
    if not rows:
        return []
    day_start = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    capped = set(
        WaitlistOffer.objects.filter(
            created_at__gte=day_start,
            created_at__lt=day_start + timedelta(days=1),
            entry__patient_id__in={row[1] for row in rows},
        )
        .values("entry__patient_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=profile.waitlist_offers_per_day)
        .values_list("entry__patient_id", flat=True)
    )
    chosen: list[int] = []
    patients: set[int] = set()
    for pk, patient_id, pid, earliest, latest, weekdays, parts, booked, booked_status in rows:
        if patient_id in capped or patient_id in patients:
            continue
        booked_start = booked if booked_status in Appointment.OPEN_STATUSES else None
        wish = EntryWish(pid, earliest, latest, weekdays, parts, booked_start)
        if slot_suits(wish, practitioner_id=hold.practitioner_id, local_start=local_start):
            chosen.append(pk)
            patients.add(patient_id)
            if len(chosen) >= limit:
                break
    return chosen
