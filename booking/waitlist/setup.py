"""Plugging the waitlist into booking's seams; called once from BookingConfig.ready()."""

from __future__ import annotations

from booking.events import EventName, subscribe_in_transaction
from booking.waitlist import emails, links
from booking.waitlist.holds import hold_freed_time


def register() -> None:
    links.register()
    emails.register()
    # In the freeing transaction: the hold must exist before the public can book the time.
    subscribe_in_transaction(EventName.TIME_FREED, hold_freed_time)
