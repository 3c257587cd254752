"""The waitlist's refusals, each with a message safe to show the patient."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from booking.scheduling.errors import BookingError


class WaitlistError(BookingError):
    default_message = _("This could not be done. Please call the clinic.")


class EntryLimitReached(WaitlistError):
    default_message = _(
        "You are already on the waitlist as many times as we allow. "
        "Change or leave an entry from the link in its email, or call the clinic."
    )


class EntryClosed(WaitlistError):
    default_message = _("This waitlist entry is no longer active.")


class OfferGone(WaitlistError):
    default_message = _("This time has just been taken; you are still on the list.")


class OfferLapsed(WaitlistError):
    default_message = _(
        "This offer has passed and the time went to someone else; you are still on the list."
    )
