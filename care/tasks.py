"""care's Celery tasks (names "care.tasks.*"): thin, idempotent, ids only."""

from __future__ import annotations

from celery import shared_task

from care.messages import questionnaires_scan


@shared_task(name="care.tasks.scan_questionnaires")
def scan_questionnaires() -> int:
    return questionnaires_scan()
