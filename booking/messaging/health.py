"""Is the reminder pipeline alive? Beat's scan leaves a heartbeat that /healthz reads."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Max
from django.utils import timezone

from booking.models import TaskHeartbeat

SCAN_HEARTBEAT = "scan_due_messages"


def _installed_at() -> datetime | None:
    """When the database was last migrated: the install, or the latest deploy that migrated.

    Why this and not the web process's start: it is one value shared by every web process and
    host, it survives restarts (a recycled gunicorn worker must not reopen the grace period and
    hide a beat that never ran), and a fresh install's first migration is exactly when beat is
    expected to start ticking.
    """
    return MigrationRecorder.Migration.objects.aggregate(latest=Max("applied"))["latest"]


def reminder_pipeline_fresh(now: datetime | None = None) -> bool:
    """False when the periodic scan has not run for three intervals (beat or worker stalled).

    No heartbeat at all counts as stale once three intervals have passed since the database
    was migrated (a start-up grace for a fresh install): beat that never ran is as broken as
    beat that stopped.
    """
    now = now or timezone.now()
    limit = timedelta(seconds=3 * settings.REMINDER_SCAN_INTERVAL_SECONDS)
    last = (
        TaskHeartbeat.objects.filter(name=SCAN_HEARTBEAT)
        .values_list("last_run_at", flat=True)
        .first()
    )
    if last is None:
        last = _installed_at()
        if last is None:
            return False
    return now - last <= limit
