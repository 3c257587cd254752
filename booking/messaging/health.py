"""Is the reminder pipeline alive? Beat's scan leaves a heartbeat that /healthz reads."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from booking.models import TaskHeartbeat

SCAN_HEARTBEAT = "scan_due_messages"


def reminder_pipeline_fresh(now: datetime | None = None) -> bool:
    """False when the periodic scan has not run for three intervals (beat or worker stalled)."""
    last = (
        TaskHeartbeat.objects.filter(name=SCAN_HEARTBEAT)
        .values_list("last_run_at", flat=True)
        .first()
    )
    if last is None:
        return True  # never run yet: a fresh install before beat's first tick
    limit = timedelta(seconds=3 * settings.REMINDER_SCAN_INTERVAL_SECONDS)
    return (now or timezone.now()) - last <= limit
