"""Private links: "lost your link?" requests waiting for the worker, and short codes for texts."""

from __future__ import annotations

import secrets

from django.db import models

SHORT_CODE_LENGTH = 16


def new_short_code() -> str:
    # 12 random bytes are 16 url-safe characters (96 bits): unguessable, short enough for a text.
    return secrets.token_urlsafe(12)


class LinkRequest(models.Model):
    """An address typed into "Lost your link?", kept only until the worker has answered it.

    The page stores the row and queues its id, whatever the address, so a known and an unknown
    address cost the request the same work; the worker looks the address up, sends, and deletes
    the row (rows a lost task left behind are purged a day later).
    """

    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "lost-link request"

    def __str__(self) -> str:
        return f"Lost-link request {self.pk}"


class ShortLink(models.Model):
    """A short code (/m/<code>) for one subject's private link at one token version.

    Raising the subject's version (revoking its links) leaves the code pointing at a version that
    no longer matches, so it stops working too; revocation also deletes the subject's codes.
    """

    code = models.CharField(max_length=SHORT_CODE_LENGTH, unique=True, default=new_short_code)
    subject = models.CharField(max_length=8)  # the link subject's prefix ("a": appointment)
    reference = models.CharField(max_length=32)
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "reference", "version"], name="shortlink_one_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"Short link for {self.subject}:{self.reference[:6]}…"
