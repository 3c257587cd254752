"""Data other apps hold about a patient, for the data-rights services (export, anonymise,
retention) and for merging two records of one person, without booking importing those apps.

An app registers one `DataContributor` from its AppConfig.ready(); booking/patients/data_rights.py
calls every registered contributor inside its own transaction and audit event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models


@dataclass(frozen=True)
class DataContributor:
    # The key of this app's section in the export ("care"); one contributor per key.
    name: str
    # patient id -> JSON-ready data (the app's rows about that patient).
    export: Callable[[int], Any]
    # (patient id, now) -> how many rows were scrubbed; runs inside anonymise's transaction.
    anonymise: Callable[[int, datetime], int]
    # patient id -> {model: [pks]} whose admin log entries anonymise must blank.
    admin_objects: Callable[[int], dict[type[models.Model], list[int]]] | None = None
    # now -> {patient id: rows scrubbed} by the retention job (idempotent; booking writes the
    # audit events); None: nothing of this app expires.
    expire: Callable[[datetime], dict[int, int]] | None = None
    # (kept patient id, duplicate id) -> rows moved to the kept record; runs inside
    # patient_merge's transaction, before the duplicate is deleted. None: nothing to move.
    merge: Callable[[int, int], int] | None = None
    # patient id -> {label: count} of the rows a merge moves, shown before merging.
    counts: Callable[[int], dict[str, int]] | None = None


_contributors: dict[str, DataContributor] = {}


def data_contributor_register(contributor: DataContributor) -> None:
    """Register (or, on a reload, replace) an app's contributor under its name."""
    if contributor.name in {"format_version", "patient", "appointments", "history"}:
        raise ValueError(f"{contributor.name!r} is a key of booking's own export.")
    _contributors[contributor.name] = contributor


def data_contributors() -> list[DataContributor]:
    return [_contributors[name] for name in sorted(_contributors)]
