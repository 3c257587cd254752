"""A practitioner's private calendar subscription: an unguessable address, revoked by making a
new one. The feed shows each visit as "Visit" and its time, never a patient's name, a type or
a health detail (initials only when the manager allows them).

Only a SHA-256 of the address's token is stored: a copy of the database (a backup, a replica)
does not let anyone read a clinician's calendar. The token is shown once, when it is made. A
plain hash is enough: the token is 256 random bits, nothing to guess from a dictionary."""

from __future__ import annotations

import hashlib
import secrets

from django.db import models

from booking.models.schedule import Practitioner


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeed(models.Model):
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Set by the manager: the feed's events read "Visit (M. G.)" instead of "Visit".
    show_initials = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One live address per practitioner; the revoked ones stay as a record.
            models.UniqueConstraint(
                fields=["practitioner"],
                condition=models.Q(revoked_at__isnull=True),
                name="calendar_feed_one_live_per_practitioner",
            )
        ]

    def __str__(self) -> str:
        return f"Calendar feed of {self.practitioner}"
