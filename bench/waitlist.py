"""Waitlist benchmark: freed time to offer email, with 5,000 open entries.

    REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/waitlist.py
    REDIS_URL=... .venv/bin/python bench/waitlist.py --entries 5000 --freed 200 --timeout 180

Runs against a fresh SQLite database in a temporary VAR_DIR (or, with BENCH_DATABASE_URL, an
existing migrated PostgreSQL database whose booking data it wipes: never point it at real
data), one Celery worker subprocess, Redis, and a local aiosmtpd server in this process.

`--entries` active entries (4 types, 10 practitioners, a third naming one, random parts of
the day, the next 30 days) and `--freed` booked visits; the visits are cancelled one after the
other, as fast as this process can (a burst: the worst case). For each freed time: from the
cancelling commit to the first offer email of its batch at the SMTP server, and to the batch's
last one. Then the matching cost: `entries_matching` per held time, timed and its queries
counted, on the final state. Bounded: gives up after `--timeout` seconds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    SmtpCounter,
    bench_environment,
    django_migrate,
    smtp_start,
    start_worker,
    stop_all,
)

TYPES, PRACTITIONERS = 4, 10


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--freed", type=int, default=200)
    parser.add_argument("--pool", default="prefork", choices=["prefork", "threads", "solo"])
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=180)
    return parser.parse_args()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def setup_world(args) -> list[int]:
    """Types, practitioners, entries and the visits to cancel; returns the visits' ids."""
    from django.utils import timezone

    from booking.models import (
        ALL_DAY_PARTS,
        Appointment,
        ConsultationType,
        OutboundMessage,
        Patient,
        Practitioner,
        WaitlistEntry,
        WaitlistHold,
    )
    from booking.scheduling.clock import clinic_zone

    OutboundMessage.objects.all().delete()
    WaitlistHold.objects.all().delete()
    WaitlistEntry.objects.all().delete()
    Appointment.objects.all().delete()
    Patient.objects.filter(email__endswith="@bench.example").delete()
    Practitioner.objects.filter(display_name__startswith="Dr. Bench").delete()
    ConsultationType.objects.filter(slug__startswith="bench-").delete()

    rng = random.Random(14)  # noqa: S311
    types = [
        ConsultationType.objects.create(
            slug=f"bench-{n}", name=f"Bench type {n}", description="Bench", duration_minutes=30
        )
        for n in range(TYPES)
    ]
    doctors = Practitioner.objects.bulk_create(
        [Practitioner(display_name=f"Dr. Bench {n}") for n in range(PRACTITIONERS)]
    )
    for doctor in doctors:
        doctor.consultation_types.set(types)
    patients = Patient.objects.bulk_create(
        [
            Patient(full_name=f"Bench Patient {n}", email=f"p{n}@bench.example")
            for n in range(args.entries + args.freed)
        ],
        batch_size=1000,
    )
    now, today = timezone.now(), timezone.localdate()
    WaitlistEntry.objects.bulk_create(
        [
            WaitlistEntry(
                patient=patients[n],
                consultation_type=types[n % TYPES],
                practitioner=doctors[rng.randrange(PRACTITIONERS)] if n % 3 == 0 else None,
                earliest_date=today,
                latest_date=today + timedelta(days=30),
                day_parts=rng.randint(1, ALL_DAY_PARTS),
                status=WaitlistEntry.Status.ACTIVE,
                confirmed_at=now - timedelta(minutes=rng.randrange(60 * 24 * 20)),
                expires_at=now + timedelta(days=30),
            )
            for n in range(args.entries)
        ],
        batch_size=1000,
    )
    # Visits 2-21 days ahead, 8:00-17:30, never two at once for one practitioner.
    tz, visits = clinic_zone(), []
    for n in range(args.freed):
        doctor, k = doctors[n % PRACTITIONERS], n // PRACTITIONERS
        day = today + timedelta(days=2 + k // 20)
        start = datetime(day.year, day.month, day.day, 8, tzinfo=tz) + timedelta(
            minutes=30 * (k % 20)
        )
        end = start + timedelta(minutes=30)
        visits.append(
            Appointment(
                consultation_type=types[n % TYPES],
                practitioner=doctor,
                patient=patients[args.entries + n],
                start=start,
                end=end,
                occupied_start=start,
                occupied_end=end,
                contact_name="Bench",
                contact_email=f"v{n}@bench.example",
            )
        )
    return [a.pk for a in Appointment.objects.bulk_create(visits)]


def matching_cost(holds: list) -> str:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from booking.profile import clinic_profile_get
    from booking.waitlist.matching import entries_matching

    profile, now, times, queries = clinic_profile_get(), timezone.now(), [], []
    for hold in holds:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            entries_matching(hold, profile=profile, now=now, limit=profile.waitlist_batch_size)
            times.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured.captured_queries))
    return (
        f"MATCH  entries_matching per held time over {len(holds)} holds: median "
        f"{statistics.median(times):.1f} ms, p95 {pct(times, 0.95):.1f} ms, "
        f"queries {min(queries)}-{max(queries)}"
    )


def run(args, counter: SmtpCounter, var_dir: Path, processes: list) -> list[str]:
    from booking.models import Appointment, OutboundMessage, WaitlistHold
    from booking.scheduling.changes import appointment_cancel

    visit_ids = setup_world(args)
    start_worker(var_dir, processes, pool=args.pool, concurrency=args.concurrency)
    committed: dict[int, float] = {}
    hold_times: list[float] = []
    started = time.time()
    for visit in Appointment.objects.filter(pk__in=visit_ids).select_related("consultation_type"):
        before = time.perf_counter()
        appointment_cancel(appointment=visit, apply_patient_rules=False)
        hold_times.append((time.perf_counter() - before) * 1000)
        committed[visit.pk] = time.time()
    holds = list(
        WaitlistHold.objects.filter(freed_appointment_id__in=visit_ids).select_related(
            "consultation_type"
        )
    )
    expected = len(holds)
    deadline = started + args.timeout

    def batches() -> dict[int, list[float]]:
        rows = OutboundMessage.objects.filter(
            kind="waitlist_offer", waitlist_offer__batch=1
        ).values_list("pk", "waitlist_offer__hold__freed_appointment_id")
        found: dict[int, list[float]] = {}
        arrivals = counter.first_arrivals()
        for pk, visit_id in rows:
            if pk in arrivals:
                found.setdefault(visit_id, []).append(arrivals[pk] - committed[visit_id])
        return found

    offered_holds = 0
    while time.time() < deadline:
        offered_holds = WaitlistHold.objects.filter(
            pk__in=[h.pk for h in holds], batches_sent__gte=1
        )
        sent = OutboundMessage.objects.filter(kind="waitlist_offer", waitlist_offer__batch=1)
        arrived = counter.first_arrivals()
        if offered_holds.count() == expected and all(
            pk in arrived for pk in sent.values_list("pk", flat=True)
        ):
            break
        time.sleep(0.5)
    found = batches()
    first = [min(v) for v in found.values()]
    last = [max(v) for v in found.values()]
    emails = sum(len(v) for v in found.values())
    ok = len(found) == expected and first and pct(first, 0.95) < 60
    lines = [
        f"FREED  {args.freed} visits cancelled in a burst over {args.entries} active entries, "
        f"one worker ({args.pool}, concurrency {args.concurrency}), Redis, local SMTP: "
        f"{expected} held, {len(found)} with their first batch at the SMTP server "
        f"({emails} offer emails)",
        f"LATENCY commit -> first offer email: median {statistics.median(first):.1f} s, "
        f"p95 {pct(first, 0.95):.1f} s, max {max(first):.1f} s; -> the batch's last email: "
        f"median {statistics.median(last):.1f} s, p95 {pct(last, 0.95):.1f} s "
        f"-> {'PASS' if ok else 'FAIL'} (p95 < 60 s)"
        if first
        else "LATENCY no offer email arrived -> FAIL",
        f"HOLD   the cancelling transaction (hold included): median "
        f"{statistics.median(hold_times):.1f} ms, p95 {pct(hold_times, 0.95):.1f} ms",
        matching_cost(holds),
    ]
    return lines


def main() -> int:
    args = parse_args()
    var_dir = bench_environment(prefix="clinic-bench-wl-")
    counter = SmtpCounter()
    smtp = smtp_start(counter)
    django_migrate()
    processes: list[subprocess.Popen] = []
    try:
        lines = run(args, counter, var_dir, processes)
    finally:
        stop_all(processes)
        smtp.stop()
    print()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
