"""Availability benchmark on the peer's workload (see docs/performance.md).

10 practitioners working Monday to Friday 09:00-17:00, one 30-minute consultation type, half of
the slots over the next 30 days booked, in a fresh SQLite file database in a temporary
directory. Prints the median of repeated runs and the queries each call makes.

    .venv/bin/python bench/availability.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time as clock
from datetime import datetime, time, timedelta
from pathlib import Path

# Its own throw-away SQLite database: never the developer's, never PostgreSQL.
os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="clinic-bench-")
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# As in production: DEBUG's query log would be timed too.
settings.DEBUG = False

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from booking.models import (  # noqa: E402
    Appointment,
    ConsultationType,
    Patient,
    Practitioner,
    WorkingHours,
)
from booking.scheduling.clock import clinic_zone  # noqa: E402
from booking.scheduling.selectors import available_slots, bookable_days  # noqa: E402

PRACTITIONERS = 10
BOOKED_DAYS = 30


def seed() -> tuple[ConsultationType, list[Practitioner]]:
    tz = clinic_zone()
    ctype = ConsultationType.objects.create(
        name="Consultation",
        slug="consultation",
        description="Bench",
        duration_minutes=30,
        slot_granularity_minutes=30,
        min_notice_minutes=0,
        horizon_days=90,
    )
    practitioners = []
    for n in range(PRACTITIONERS):
        practitioner = Practitioner.objects.create(display_name=f"Dr. Bench {n}")
        practitioner.consultation_types.add(ctype)
        WorkingHours.objects.bulk_create(
            WorkingHours(
                practitioner=practitioner, weekday=d, start_time=time(9), end_time=time(17)
            )
            for d in range(5)
        )
        practitioners.append(practitioner)
    patient = Patient.objects.create(full_name="Bench Patient", email="bench@example.com")
    rows = []
    today = timezone.localdate()
    for offset in range(1, BOOKED_DAYS + 1):
        day = today + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for practitioner in practitioners:
            # Every other 30-minute slot: half the day booked, the free half scattered.
            for half_hour in range(0, 16, 2):
                start = datetime.combine(day, time(9), tzinfo=tz) + timedelta(
                    minutes=30 * half_hour
                )
                end = start + timedelta(minutes=30)
                rows.append(
                    Appointment(
                        consultation_type=ctype,
                        practitioner=practitioner,
                        patient=patient,
                        start=start,
                        end=end,
                        occupied_start=start,
                        occupied_end=end,
                        contact_name="Bench Patient",
                        contact_email="bench@example.com",
                    )
                )
    Appointment.objects.bulk_create(rows, batch_size=500)
    return ctype, practitioners


def measure(label: str, target_ms: float, repeat: int, call) -> bool:
    call()  # warm caches (zoneinfo, query compilation)
    queries = []
    # A wrapper, not CaptureQueriesContext: a request resets the latter's log when it starts.
    with connection.execute_wrapper(
        lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)
    ):
        result = call()
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = clock.perf_counter(), clock.process_time()
        call()
        cpu.append((clock.process_time() - started_cpu) * 1000)
        wall.append((clock.perf_counter() - started) * 1000)
    median, median_cpu = statistics.median(wall), statistics.median(cpu)
    ok = median <= target_ms
    # CPU time too: on a shared machine the wall clock also counts other processes' turns.
    print(
        f"{label:<46} median {median:6.2f} ms wall, {median_cpu:6.2f} ms CPU "
        f"(target <= {target_ms:g} ms; {len(queries)} queries; {result}) "
        f"{'OK' if ok else 'MISSED'}"
    )
    return ok


def profile(call) -> None:
    import cProfile
    import pstats

    cProfile.runctx("for _ in range(50): call()", globals(), {"call": call}, "/tmp/bench.prof")
    pstats.Stats("/tmp/bench.prof").sort_stats("tottime").print_stats(25)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="cProfile the 10 x 14 case")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    ctype, practitioners = seed()
    today = timezone.localdate()
    first = today + timedelta(days=1)
    while first.weekday() >= 5:
        first += timedelta(days=1)
    client = Client(headers={"host": "localhost"})
    url = f"/api/availability?type={ctype.slug}&start={first.isoformat()}&days=14"
    print(
        f"SQLite {connection.settings_dict['NAME']}: {PRACTITIONERS} practitioners, "
        f"{Appointment.objects.count()} appointments, {args.repeat} runs each"
    )

    def one_practitioner_one_day():
        slots = available_slots(
            consultation_type=ctype,
            first_day=first,
            last_day=first,
            practitioner_id=practitioners[0].pk,
        )
        return f"{sum(map(len, slots.values()))} slots"

    def ten_practitioners_fourteen_days():
        slots = available_slots(
            consultation_type=ctype, first_day=first, last_day=first + timedelta(days=13)
        )
        return f"{sum(map(len, slots.values()))} slots"

    def json_endpoint():
        response = client.get(url)
        assert response.status_code == 200, response.content
        return f"{len(response.content)} bytes"

    def bookable_days_sixty():
        days = bookable_days(
            consultation_type=ctype, first_day=today, last_day=today + timedelta(days=59)
        )
        return f"{len(days)} days"

    if args.profile:
        profile(ten_practitioners_fourteen_days)
        return 0
    results = [
        measure(
            "1 practitioner, 1 day (available_slots)", 2, args.repeat, one_practitioner_one_day
        ),
        measure(
            "10 practitioners, 14 days (available_slots)",
            10,
            args.repeat,
            ten_practitioners_fourteen_days,
        ),
        measure("JSON endpoint, 10 practitioners, 14 days", 15, args.repeat, json_endpoint),
        measure(
            "bookable days, next 60 days, any practitioner", 40, args.repeat, bookable_days_sixty
        ),
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
