"""Short codes for private links (/m/<code>), for text messages: see journey/short_links.py."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse

from booking.links.tokens import link_subject_get
from booking.models import ShortLink
from booking.models.links import SHORT_CODE_LENGTH

_CODE_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def short_code_for(subject: Any, *, prefix: str) -> str:
    """The short code of this subject's current link (made once per subject and version)."""
    kind = link_subject_get(prefix)
    key = {
        "subject": prefix,
        "reference": kind.reference(subject),
        "version": kind.version(subject),
    }
    link = ShortLink.objects.filter(**key).first()
    if link is None:
        try:
            with transaction.atomic():
                link = ShortLink.objects.create(**key)
        except IntegrityError:  # made at the same moment by another request
            link = ShortLink.objects.get(**key)
    return link.code


def short_path_for(subject: Any, *, prefix: str) -> str:
    return reverse("booking:short_link", args=[short_code_for(subject, prefix=prefix)])


def short_code_target(code: str) -> tuple[str, Any] | None:
    """(prefix, subject) for a short code still matching its subject's link version, or None."""
    if len(code) != SHORT_CODE_LENGTH or not set(code) <= _CODE_CHARACTERS:
        return None
    link = ShortLink.objects.filter(code=code).first()
    kind = link_subject_get(link.subject) if link else None
    if kind is None:
        return None
    subject = kind.resolve(link.reference, None)
    if subject is None or kind.version(subject) != link.version:
        return None
    return link.subject, subject
