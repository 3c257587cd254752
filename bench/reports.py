"""The manager's reports over a year with 100,000 visits, on PostgreSQL.

    createdb -h 127.0.0.1 -U postgres clinic_bench_reports
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_bench_reports \
        .venv/bin/python bench/reports.py [--visits 100000] [--repeat 7] [--reuse]

Needs an existing PostgreSQL database that it migrates and whose booking data it TRUNCATEs: never
point it at real data. Builds 20 practitioners, 5 consultation types, 25,000 patients and
`--visits` visits spread over the last 365 days (mixed sources and statuses, lead times of
0-60 days, a reminder row per visit), then times `report_build` for the whole year by week,
practitioner and type, and the full page (Django test client, every middleware) by week.
Prints the median of `--repeat` runs after one warm-up, and the queries of each; exits non-zero
if a median misses 500 ms. `--reuse` times the year a previous run built (same `--visits`)
instead of building it again (a minute of a shared machine's time).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_MS = 500


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="time a previous run's data")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url.startswith("postgres"):
        print("Set BENCH_DATABASE_URL to a scratch PostgreSQL database (its data is wiped).")
        return 2
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from booking.models import Appointment

    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    first_day = today - timedelta(days=364)
    if (
        args.reuse
        and Appointment.objects.filter(reference__startswith="bench").count() == args.visits
    ):
        first_day = timezone.localdate(Appointment.objects.order_by("start").first().start)
        today = first_day + timedelta(days=364)
    else:
        build(args.visits, first_day)
    print(f"{Appointment.objects.count():,} visits from {first_day} to {today}")
    return 1 if time_reports(args.repeat, first_day, today) else 0


def build(visits: int, first_day) -> None:
    """Wipe booking's data, then build the year the module's docstring describes."""
    from django.db import DatabaseError, connection

    from booking.models import (
        Appointment,
        ConsultationType,
        OutboundMessage,
        Patient,
        Practitioner,
        WorkingHours,
    )
    from booking.scheduling.clock import clinic_zone

    # TRUNCATE, not delete(): a second run would otherwise write a history row per visit
    # (minutes) and leave the table twice its size in dead rows.
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE "
            + ", ".join(
                model._meta.db_table
                for model in (OutboundMessage, Appointment, Patient, WorkingHours, Practitioner)
            )
            + " CASCADE"
        )
    ConsultationType.objects.filter(slug__startswith="bench-").delete()
    rng = random.Random(15)
    tz = clinic_zone()
    types = [
        ConsultationType.objects.create(
            name=f"Bench type {i}", slug=f"bench-{i}", description="-", duration_minutes=20
        )
        for i in range(5)
    ]
    practitioners = []
    for i in range(20):
        p = Practitioner.objects.create(display_name=f"Dr Bench {i:02d}")
        p.consultation_types.set(types)
        WorkingHours.objects.bulk_create(
            WorkingHours(practitioner=p, weekday=d, start_time="08:00", end_time="18:00")
            for d in range(7)
        )
        practitioners.append(p)
    patients = Patient.objects.bulk_create(
        Patient(full_name=f"Patient {i}", email=f"p{i}@example.com") for i in range(25_000)
    )
    per_day = -(-visits // (365 * len(practitioners)))
    rows = []
    statuses = ["completed"] * 80 + ["no_show"] * 5 + ["cancelled"] * 10 + ["confirmed"] * 5
    sources = ["online"] * 60 + ["phone"] * 30 + ["admin"] * 10
    n = 0
    for d in range(365):
        day = first_day + timedelta(days=d)
        for p in practitioners:
            for k in range(per_day):
                if n >= visits:
                    break
                start = datetime(day.year, day.month, day.day, 8, 0, tzinfo=tz) + timedelta(
                    minutes=25 * k
                )
                status = rng.choice(statuses)
                rows.append(
                    Appointment(
                        consultation_type=rng.choice(types),
                        practitioner=p,
                        patient=rng.choice(patients),
                        start=start,
                        end=start + timedelta(minutes=20),
                        occupied_start=start,
                        occupied_end=start + timedelta(minutes=20),
                        status=status,
                        source=rng.choice(sources),
                        contact_name="x",
                        contact_email="x@example.com",
                        reference=f"bench{n:027d}",
                        short_reference=f"{n:08d}",
                        cancelled_at=(
                            start - timedelta(hours=rng.randint(1, 72))
                            if status == "cancelled"
                            else None
                        ),
                    )
                )
                n += 1
    made = Appointment.objects.bulk_create(rows, batch_size=5000)
    # created_at is auto_now_add: the lead times (0-60 days) are set in one UPDATE.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE booking_appointment SET created_at = start - (id % 61) * interval '1 day'"
        )
    OutboundMessage.objects.bulk_create(
        (
            OutboundMessage(
                patient_id=a.patient_id,
                appointment=a,
                kind=OutboundMessage.Kind.REMINDER,
                scheduled_for=a.start - timedelta(hours=24),
                status=rng.choice(["sent"] * 19 + ["failed"]),
            )
            for a in made
        ),
        batch_size=5000,
    )
    # As autovacuum would have left a year-old table: statistics and the visibility map; then
    # the build's writes flushed, so the checkpointer does not write them during the timing.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        try:
            cursor.execute("CHECKPOINT")
        except DatabaseError:
            print("(no CHECKPOINT: it needs a superuser or pg_checkpoint)")


def time_reports(repeat: int, first_day, today) -> bool:
    """Print the table of medians; True when one misses the target."""
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from booking.backoffice.roles import MANAGER
    from booking.reports.selectors import report_build

    connection.queries_log.clear()  # the build's queries filled the log CaptureQueries reads

    def timed(fn) -> tuple[float, int]:
        fn()
        samples, queries = [], 0
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                fn()
                samples.append((time.perf_counter() - t0) * 1000)
            queries = len(ctx.captured_queries)
        return statistics.median(samples), queries

    manager, _ = User.objects.get_or_create(username="bench-manager", defaults={"is_staff": True})
    manager.groups.add(Group.objects.get(name=MANAGER))
    client = Client()
    client.force_login(manager)
    page = f"/admin/booking/appointment/reports/?from={first_day}&to={today}&group=week"
    cases = {
        f"report_build, 365 days by {g}": (
            lambda g=g: report_build(first_day=first_day, last_day=today, grouping=g)
        )
        for g in ("week", "practitioner", "type")
    }

    def get_page():
        response = client.get(page)
        assert response.status_code == 200, response.status_code

    cases["GET reports page, 365 days by week"] = get_page
    failed = False
    print("| case | median | queries |\n|---|---|---|")
    for name, fn in cases.items():
        median, queries = timed(fn)
        failed |= median > TARGET_MS
        print(f"| {name} | {median:.0f} ms | {queries} |")
    return failed


if __name__ == "__main__":
    sys.exit(main())
