"""The clinician's calendar subscription (RFC 5545): one live private address per practitioner,
revoked by making a new one; the feed lists their visits as "Visit" and the time.

No patient names, consultation types or health details leave through it (a phone's calendar
syncs to other services); initials only when the manager allows them for that feed.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from icalendar import Calendar, Event

from booking.models import Appointment, CalendarFeed, Practitioner
from booking.models.feeds import feed_token_hash, new_feed_token

# What a subscription holds: recent history and the months ahead.
FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=190)

_ICS_STATUS = {
    Appointment.Status.REQUESTED: "TENTATIVE",
    Appointment.Status.CANCELLED: "CANCELLED",
}


def calendar_feed_current(*, practitioner: Practitioner) -> CalendarFeed | None:
    """The practitioner's live feed, if they made one. Never made here: its address is shown
    only when it is made (calendar_feed_renew), the database keeps a hash of it."""
    return CalendarFeed.objects.filter(practitioner=practitioner, revoked_at__isnull=True).first()


def calendar_feed_renew(
    *, practitioner: Practitioner, acting_user: AbstractBaseUser
) -> tuple[CalendarFeed, str]:
    """Make the practitioner's address: the first, or a new one that revokes the live one (it
    answers 404 from now on; the initials setting carries over). Returns the feed and its token,
    which is stored only as a hash: show it now or never."""
    try:
        return _feed_replace(practitioner)
    except IntegrityError:
        # Two first addresses made at once (nothing to lock yet): the later click wins.
        return _feed_replace(practitioner)


def _feed_replace(practitioner: Practitioner) -> tuple[CalendarFeed, str]:
    token = new_feed_token()
    with transaction.atomic():
        old = (
            CalendarFeed.objects.select_for_update()
            .filter(practitioner=practitioner, revoked_at__isnull=True)
            .first()
        )
        show_initials = bool(old and old.show_initials)
        if old is not None:
            old.revoked_at = timezone.now()
            old.save(update_fields=["revoked_at"])
        feed = CalendarFeed.objects.create(
            practitioner=practitioner,
            token_hash=feed_token_hash(token),
            show_initials=show_initials,
        )
    return feed, token


def calendar_feed_set_initials(*, feed: CalendarFeed, show_initials: bool) -> CalendarFeed:
    feed.show_initials = show_initials
    feed.save(update_fields=["show_initials"])
    return feed


def _initials(name: str) -> str:
    return " ".join(f"{part[0]}." for part in name.split()[:3] if part[:1].isalpha()).upper()


def calendar_feed_ics(*, token: str, now=None) -> bytes | None:
    """The feed's iCalendar text for a live token, else None. Two queries."""
    if not token or len(token) > 64:
        return None
    feed = (
        CalendarFeed.objects.select_related("practitioner")
        .filter(
            token_hash=feed_token_hash(token), revoked_at__isnull=True, practitioner__active=True
        )
        .first()
    )
    if feed is None:
        return None
    now = now or timezone.now()
    cal = Calendar()
    cal.add("prodid", "-//Clinic//Practitioner feed//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"Clinic visits, {feed.practitioner.display_name}")
    visits = (
        Appointment.objects.filter(
            practitioner=feed.practitioner,
            start__gte=now - FEED_PAST,
            start__lt=now + FEED_AHEAD,
        )
        .order_by("start", "pk")
        .only("pk", "start", "end", "status", "sequence", "updated_at", "contact_name")
    )
    for visit in visits:
        event = Event()
        # Stable across renames and moves; says nothing of the patient or the private link.
        event.add("uid", f"feed-visit-{visit.pk}@clinic")
        event.add("sequence", visit.sequence)
        event.add("dtstamp", visit.updated_at.astimezone(UTC))
        event.add("dtstart", visit.start.astimezone(UTC))
        event.add("dtend", visit.end.astimezone(UTC))
        summary = "Visit"
        if feed.show_initials and (initials := _initials(visit.contact_name)):
            summary = f"Visit ({initials})"
        event.add("summary", summary)
        event.add("status", _ICS_STATUS.get(visit.status, "CONFIRMED"))
        event.add("transp", "TRANSPARENT" if visit.status == "cancelled" else "OPAQUE")
        cal.add_component(event)
    return cal.to_ical()
