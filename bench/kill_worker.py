"""Kill the email worker mid-batch, again and again: is anything sent twice?

    .venv/bin/python bench/kill_worker.py                       # filesystem broker, SQLite
    REDIS_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/kill_worker.py --count 400

A fresh SQLite database in a temporary VAR_DIR (never your data), a real `celery worker`
subprocess (solo pool) on the local broker (kombu's filesystem broker, or Redis when REDIS_URL
is set), and an aiosmtpd server in this process that records each email's Message-ID and
ledger id. `--count` confirmed visits have their 2 h reminder due; the bench plays beat
(`scan_due_messages` every second). Each time the worker has sent at least one email since it
(re)started, it is SIGKILLed after a random 0-250 ms, and started again; the scan hands the
killed batch's expired leases out again. After `--kills` kills the worker is left to finish.

Reports: emails received, repeats (a Message-ID received more than once: the unavoidable
send-to-record window, which a receiving server drops by Message-ID), ledger rows received
under two different Message-IDs (must be 0), and rows never received (must be 0).
Bounded: gives up after `--timeout` seconds (default 240).
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import re
import signal
import socket
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

MESSAGE_ID = re.compile(rb"^Message-ID: (<[^>\r\n]+>)\r?$", re.MULTILINE | re.IGNORECASE)
LEDGER_ID = re.compile(rb"^X-Clinic-Message: (\d+)\r?$", re.MULTILINE)


class Recorder:
    """aiosmtpd handler: (Message-ID, ledger id) of every email accepted, in order."""

    def __init__(self, delay: float):
        self.delay = delay
        self.lock = threading.Lock()
        self.received: list[tuple[str, int]] = []

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        await asyncio.sleep(self.delay)  # a mail server's own latency: kills land mid-batch
        message_id = MESSAGE_ID.search(envelope.content).group(1).decode()
        ledger_id = int(LEDGER_ID.search(envelope.content).group(1))
        with self.lock:
            self.received.append((message_id, ledger_id))
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.received)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--kills", type=int, default=25)
    parser.add_argument("--smtp-delay", type=float, default=0.02, help="seconds per email")
    parser.add_argument("--timeout", type=float, default=240)
    parser.add_argument("--seed", type=int, default=None)
    return parser.parse_args()


def _visits(count: int) -> None:
    """`count` confirmed visits whose 2 h reminder fell due minutes ago (booked yesterday)."""
    from django.utils import timezone

    from booking.models import Appointment, ConsultationType, Patient, Practitioner

    now = timezone.now()
    ctype = ConsultationType.objects.create(
        slug="bench-kill", name="Joint check", description="Bench", duration_minutes=5
    )
    practitioners = Practitioner.objects.bulk_create(
        [Practitioner(display_name=f"Dr. Bench {i}") for i in range(count // 10 + 1)]
    )
    patients = Patient.objects.bulk_create(
        [Patient(full_name=f"Bench {i}", email=f"k{i}@bench.example") for i in range(count)]
    )
    rows = []
    for i in range(count):
        start = now + timedelta(hours=1, minutes=5 + 5 * (i % 10))
        end = start + timedelta(minutes=5)
        rows.append(
            Appointment(
                consultation_type=ctype,
                practitioner=practitioners[i // 10],
                patient=patients[i],
                start=start,
                end=end,
                occupied_start=start,
                occupied_end=end,
                contact_name=patients[i].full_name,
                contact_email=patients[i].email,
            )
        )
    created = Appointment.objects.bulk_create(rows)
    Appointment.objects.filter(pk__in=[a.pk for a in created]).update(
        created_at=now - timedelta(days=1)
    )


class Worker:
    def __init__(self, var_dir: Path):
        self.var_dir = var_dir
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = self.var_dir / f"worker-{self.starts}.log"
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("celery")), "-A", "clinic", "worker"]
            + ["--pool=solo", "-l", "INFO", "--without-gossip", "--without-mingle"]
            + ["--without-heartbeat"],
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while b" ready." not in log.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                sys.exit("worker did not start:\n" + log.read_text()[-2000:])
            time.sleep(0.1)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def main() -> int:
    args = parse_args()
    rng = random.Random(args.seed)
    var_dir = Path(tempfile.mkdtemp(prefix="clinic-kill-"))
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "VAR_DIR": str(var_dir),
            "CELERY_QUEUE": f"kill-{uuid.uuid4().hex[:8]}",
            "LOG_LEVEL": "WARNING",
            # Short leases, so a killed batch is handed out again within seconds (one worker,
            # solo pool: no two senders ever hold the same rows). Small batches: many batches.
            "EMAIL_TASK_TIME_LIMIT_SECONDS": "12",
            "EMAIL_LEASE_SECONDS": "3",
            "EMAIL_BATCH_SIZE": "25",
        }
    )
    from aiosmtpd.controller import Controller

    recorder = Recorder(args.smtp_delay)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = Controller(recorder, hostname="127.0.0.1", port=port)
    smtp.start()
    os.environ.update({"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)})

    import django

    django.setup()
    from django.core.management import call_command

    from booking.messaging.tasks import scan_due_messages
    from booking.models import OutboundMessage

    call_command("migrate", verbosity=0)
    _visits(args.count)
    broker = "Redis" if os.environ.get("REDIS_URL") else "filesystem broker"

    worker = Worker(var_dir)
    kills = 0
    started = time.monotonic()
    deadline = started + args.timeout
    try:
        worker.start()
        scan_due_messages.delay()
        last_scan = time.monotonic()
        while time.monotonic() < deadline:
            if time.monotonic() - last_scan > 1:
                scan_due_messages.delay()  # beat's part: expired leases are handed out again
                last_scan = time.monotonic()
            unsettled = OutboundMessage.objects.filter(status__in=["pending", "sending"])
            if kills >= args.kills and not unsettled.exists():
                break
            if kills < args.kills:
                since = recorder.count()
                while recorder.count() == since and time.monotonic() < deadline:
                    if time.monotonic() - last_scan > 1:
                        scan_due_messages.delay()
                        last_scan = time.monotonic()
                    time.sleep(0.01)
                time.sleep(rng.uniform(0, 0.25))
                worker.kill()
                kills += 1
                worker.start()
            else:
                time.sleep(0.2)
        elapsed = time.monotonic() - started
        time.sleep(2)  # a late repeat would arrive now
    finally:
        worker.stop()
        smtp.stop()

    by_row: dict[int, set[str]] = collections.defaultdict(set)
    seen = collections.Counter()
    for message_id, ledger_id in recorder.received:
        by_row[ledger_id].add(message_id)
        seen[message_id] += 1
    repeats = sum(n - 1 for n in seen.values())
    split_rows = sum(1 for ids in by_row.values() if len(ids) > 1)
    # The 2 h reminders (the 24 h ones were already past, recorded as skipped without sending).
    expected = set(OutboundMessage.objects.exclude(status="skipped").values_list("pk", flat=True))
    missing = len(expected - set(by_row)) + max(0, args.count - len(expected))
    ok = split_rows == 0 and missing == 0 and kills >= min(args.kills, 20)
    print(
        f"KILL  {args.count} reminders, {kills} SIGKILLs of a solo worker mid-batch, {broker}, "
        f"local SMTP ({args.smtp_delay * 1000:.0f} ms/email), {elapsed:.0f} s: "
        f"{len(recorder.received)} emails received, {len(seen)} distinct Message-IDs, "
        f"repeats {repeats} (same Message-ID, droppable), rows under two Message-IDs "
        f"{split_rows}, missing {missing} -> {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
