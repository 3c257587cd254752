"""The patient record's sections from other features (care plans, the waitlist...), without
booking importing them: an app registers a section in its AppConfig.ready() through
booking.interface, and the record page renders every registered section the user may see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RecordSection:
    key: str
    title: str
    # (request, patient) -> (template name, context) for the section's body
    render: Callable
    # (user, patient) -> bool: health sections return False for reception
    visible: Callable
    order: int = 100


_SECTIONS: dict[str, RecordSection] = {}


def patient_record_section_register(
    *, key: str, title: str, render: Callable, visible: Callable, order: int = 100
) -> None:
    """Add (or replace, by key: ready() may run twice in tests) a section of the record."""
    _SECTIONS[key] = RecordSection(
        key=key, title=title, render=render, visible=visible, order=order
    )


def patient_record_sections(*, user, patient) -> list[RecordSection]:
    return sorted(
        (s for s in _SECTIONS.values() if s.visible(user, patient)),
        key=lambda s: (s.order, s.key),
    )
