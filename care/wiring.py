"""care's registrations with booking's seams, called once from CareConfig.ready()."""

from __future__ import annotations


def register() -> None:
    pass
