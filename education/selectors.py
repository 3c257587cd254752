"""Reads the booking journey asks of the education app."""

from __future__ import annotations


def articles_for_joints(joints: list[str], *, limit: int = 3) -> list:
    """Published articles about the given joints (booking.models.Joint values), newest first."""
    return []
