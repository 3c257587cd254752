"""The waitlist entry's private link ("w"): see, change or leave the entry, take an offer."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.urls import reverse

from booking.links.paths import absolute
from booking.links.tokens import link_subject_for_token, link_subject_register, link_token
from booking.models import WaitlistEntry
from booking.profile import clinic_profile_get

ENTRY = "w"


def _resolve(reference: str, queryset=None) -> WaitlistEntry | None:
    queryset = queryset if queryset is not None else WaitlistEntry.objects.all()
    return queryset.filter(reference=reference).first()


def _expires_at(entry: WaitlistEntry) -> datetime:
    # Kept a while past the entry's own end, so a late click explains itself instead of 404ing.
    return entry.expires_at + timedelta(days=clinic_profile_get().private_link_days)


def register() -> None:
    link_subject_register(
        ENTRY,
        _resolve,
        version=lambda entry: entry.link_version,
        expires_at=_expires_at,
        landing=lambda token: reverse("booking:waitlist_manage", args=[token]),
        model=WaitlistEntry,
    )


def entry_token(entry: WaitlistEntry) -> str:
    return link_token(entry, prefix=ENTRY)


def entry_for_token(token: str, queryset=None) -> WaitlistEntry | None:
    return link_subject_for_token(token, prefix=ENTRY, queryset=queryset)


def entry_manage_url(entry: WaitlistEntry) -> str:
    return absolute(reverse("booking:waitlist_manage", args=[entry_token(entry)]))


def entry_confirm_url(entry: WaitlistEntry) -> str:
    return absolute(reverse("booking:waitlist_confirm", args=[entry_token(entry)]))


def offer_url(entry: WaitlistEntry, offer_id: int) -> str:
    return absolute(reverse("booking:waitlist_offer", args=[entry_token(entry), offer_id]))
