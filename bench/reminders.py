"""Reminder pipeline benchmark: a catch-up burst, and steady-state lateness.

    REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/reminders.py
    REDIS_URL=... .venv/bin/python bench/reminders.py --count 10000 --steady 120 --interval 10

Runs against a fresh SQLite database in a temporary VAR_DIR (or, with BENCH_DATABASE_URL, an
existing migrated PostgreSQL database whose booking data it wipes: never point it at real
data), a Celery worker subprocess, Redis, and a local aiosmtpd server in this process.

1. Burst: `--count` confirmed visits whose 2 h reminder fell due 10-55 minutes ago (as after
   an outage, within the clinic's 60-minute lateness). One `scan_due_messages` run by the
   worker; we time until the SMTP server has every reminder, and check 0 duplicates and 0
   missing, by the ledger id each email carries (X-Clinic-Message).
2. Steady state (scaled down): `celery beat` ticking every `--interval` seconds, `--steady`
   reminders falling due at random moments over the next minute; each reminder's lateness is
   the SMTP server's receive time minus its due time. The bound is interval + 2 minutes.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--steady", type=int, default=120, help="reminders in the steady run")
    parser.add_argument("--interval", type=int, default=10, help="scan interval (s), steady run")
    parser.add_argument("--pool", default="threads", choices=["prefork", "threads", "solo"])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=300)
    return parser.parse_args()


LEDGER_ID = re.compile(rb"^X-Clinic-Message: (\d+)\r?$", re.MULTILINE)


class Counter:
    """aiosmtpd handler: when each ledger id arrived."""

    def __init__(self):
        self.lock = threading.Lock()
        self.arrivals: list[tuple[int, float]] = []

    async def handle_DATA(self, server, session, envelope):
        # A regex, not the email parser: this server shares the CPU with the worker under test.
        match = LEDGER_ID.search(envelope.content)
        with self.lock:
            self.arrivals.append((int(match.group(1)), time.time()))
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.arrivals)


def main() -> int:
    args = parse_args()
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL (e.g. redis://127.0.0.1:6379/3): the benchmark runs on Redis.")
    var_dir = Path(tempfile.mkdtemp(prefix="clinic-bench-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "VAR_DIR": str(var_dir),
            "CELERY_QUEUE": f"bench-{uuid.uuid4().hex[:8]}",
            "LOG_LEVEL": "WARNING",
        }
    )
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    else:
        os.environ.pop("DATABASE_URL", None)

    from aiosmtpd.controller import Controller

    counter = Counter()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    smtp = Controller(counter, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    os.environ.update({"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port)})

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    processes: list[subprocess.Popen] = []
    try:
        burst = run_burst(args, counter, var_dir, processes)
        steady = run_steady(args, counter, var_dir, processes)
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=20)
        smtp.stop()
    print()
    print(burst)
    print(steady)
    return 0


def _start(cmd: list[str], log: Path, processes: list, env: dict | None = None) -> None:
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("celery")), "-A", "clinic", *cmd],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    processes.append(process)


def _start_worker(args, var_dir: Path, processes: list, env: dict | None = None) -> None:
    log = var_dir / f"worker-{len(processes)}.log"
    _start(
        ["worker", f"--pool={args.pool}", f"--concurrency={args.concurrency}", "-l", "INFO"]
        + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
        log,
        processes,
        env,
    )
    deadline = time.monotonic() + 60
    while b" ready." not in log.read_bytes():
        if time.monotonic() > deadline:
            sys.exit("worker did not start:\n" + log.read_text()[-2000:])
        time.sleep(0.2)


def _wipe() -> None:
    from booking.models import (
        Appointment,
        ConsultationType,
        OutboundMessage,
        Patient,
        Practitioner,
        TaskHeartbeat,
    )

    OutboundMessage.objects.all().delete()
    Appointment.objects.all().delete()
    Patient.objects.filter(email__endswith="@bench.example").delete()
    Practitioner.objects.filter(display_name__startswith="Dr. Bench").delete()
    ConsultationType.objects.filter(slug__startswith="bench-").delete()
    TaskHeartbeat.objects.all().delete()


def _visits(starts: list, *, booked_ago: timedelta, tag: str) -> None:
    """Confirmed 5-minute visits at `starts`, ten per practitioner, none overlapping."""
    from django.utils import timezone

    from booking.models import Appointment, ConsultationType, Patient, Practitioner

    ctype, _ = ConsultationType.objects.get_or_create(
        slug=f"bench-{tag}",
        defaults={"name": "Joint check", "description": "Bench", "duration_minutes": 5},
    )
    per = 10
    practitioners = Practitioner.objects.bulk_create(
        [Practitioner(display_name=f"Dr. Bench {tag}{i}") for i in range(len(starts) // per + 1)]
    )
    patients = Patient.objects.bulk_create(
        [
            Patient(full_name=f"Bench Patient {i}", email=f"{tag}{i}@bench.example")
            for i in range(len(starts))
        ],
        batch_size=1000,
    )
    rows = []
    for i, start in enumerate(starts):
        end = start + timedelta(minutes=5)
        rows.append(
            Appointment(
                consultation_type=ctype,
                practitioner=practitioners[i // per],
                patient=patients[i],
                start=start,
                end=end,
                occupied_start=start,
                occupied_end=end,
                contact_name=patients[i].full_name,
                contact_email=patients[i].email,
            )
        )
    created = Appointment.objects.bulk_create(rows, batch_size=1000)
    Appointment.objects.filter(pk__in=[a.pk for a in created]).update(
        created_at=timezone.now() - booked_ago
    )


def pool_label(args) -> str:
    if args.pool == "solo":
        return "solo pool, one process"
    return f"{args.pool} pool, concurrency {args.concurrency}"


def run_burst(args, counter: Counter, var_dir: Path, processes: list) -> str:
    from django.utils import timezone

    from booking.messaging.tasks import scan_due_messages
    from booking.models import OutboundMessage

    _wipe()
    now = timezone.now()
    # Ten visits per practitioner, 5 minutes apart: due 10-55 minutes ago for the 2 h reminder.
    starts = [now + timedelta(hours=1, minutes=5 + 5 * (i % 10)) for i in range(args.count)]
    _visits(starts, booked_ago=timedelta(days=1), tag="b")
    _start_worker(args, var_dir, processes)
    before = counter.count()
    started = time.time()
    scan_due_messages.delay()
    deadline = started + args.timeout
    while counter.count() - before < args.count and time.time() < deadline:
        time.sleep(0.05)
    elapsed = time.time() - started
    time.sleep(2)  # anything sent twice would arrive now
    ids = [i for i, _ in counter.arrivals[before:]]
    expected = set(
        OutboundMessage.objects.filter(
            kind="reminder", status__in=["sent", "pending", "sending"]
        ).values_list("pk", flat=True)
    )
    duplicates = len(ids) - len(set(ids))
    missing = args.count - len(set(ids) & expected)
    rate = len(ids) / elapsed if elapsed else 0
    ok = duplicates == 0 and missing == 0 and elapsed < 60
    return (
        f"BURST  {args.count} reminders due at once, one worker ({pool_label(args)}), Redis, "
        f"local SMTP: {len(ids)} received in "
        f"{elapsed:.1f} s ({rate:.0f}/s), duplicates {duplicates}, missing {missing} -> "
        f"{'PASS' if ok else 'FAIL'} (< 60 s, 0 duplicates, 0 missing)"
    )


def run_steady(args, counter: Counter, var_dir: Path, processes: list) -> str:
    from django.utils import timezone

    from booking.models import OutboundMessage

    if args.steady <= 0:
        return "STEADY skipped"
    for process in processes:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    _wipe()
    env = {"REMINDER_SCAN_INTERVAL_SECONDS": str(args.interval)}
    _start_worker(args, var_dir, processes, env)
    _start(
        ["beat", "-l", "WARNING", "-s", str(var_dir / "beat-schedule"), "--max-interval", "1"],
        var_dir / "beat.log",
        processes,
        env,
    )
    now = timezone.now()
    # Reminders falling due at random moments over the next 60 seconds, booked just now.
    window = 60
    starts = [
        now + timedelta(hours=2, seconds=5 + random.uniform(0, window))  # noqa: S311
        for _ in range(args.steady)
    ]
    _visits(starts, booked_ago=timedelta(0), tag="s")
    before = counter.count()
    deadline = time.time() + window + 2 * args.interval + 120
    while counter.count() - before < args.steady and time.time() < deadline:
        time.sleep(0.2)
    arrivals = dict(counter.arrivals[before:])
    due = dict(
        OutboundMessage.objects.filter(pk__in=arrivals, kind="reminder").values_list(
            "pk", "scheduled_for"
        )
    )
    lateness = sorted(arrivals[pk] - due[pk].timestamp() for pk in due)
    bound = args.interval + 120
    worst = lateness[-1] if lateness else float("inf")
    ok = len(lateness) == args.steady and worst <= bound
    median = statistics.median(lateness) if lateness else float("nan")
    return (
        f"STEADY {len(lateness)}/{args.steady} reminders due over {window} s, beat every "
        f"{args.interval} s: lateness median {median:.1f} s, max {worst:.1f} s "
        f"(bound: interval + 120 s = {bound} s) -> {'PASS' if ok else 'FAIL'}"
    )


if __name__ == "__main__":
    sys.exit(main())
