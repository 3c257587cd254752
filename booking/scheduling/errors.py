"""The booking rules' refusals: one domain error per reason, each with a message safe to show."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class BookingError(Exception):
    """A booking rule refused the request; `message` is safe to show the patient."""

    default_message = _("This booking could not be completed.")

    def __init__(self, message: str | None = None):
        self.message = message or self.default_message
        super().__init__(self.message)


class SlotUnavailable(BookingError):
    default_message = _("Sorry, that time has just been taken. Please choose another time.")


class BookingLimitReached(BookingError):
    default_message = _(
        "We can't take this booking online. Please call the clinic and we will help you."
    )


class PlanOnly(BookingError):
    default_message = _(
        "This visit is booked as part of a course of care, after a consultation. "
        "Please book a consultation first, or call the clinic."
    )


class ChangeNotAllowed(BookingError):
    default_message = _("This appointment can no longer be changed online. Please call the clinic.")


class InvalidTransition(BookingError):
    default_message = _("That status change is not possible for this appointment.")


class ConcurrentChange(BookingError):
    default_message = _("Someone else changed this appointment at the same time. Please try again.")
