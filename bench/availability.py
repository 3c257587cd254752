"""Availability benchmark on the peer's workload (see docs/performance.md).

10 practitioners working Monday to Friday 09:00-17:00, one 30-minute consultation type, half of
the slots over the next 30 days booked, in a fresh SQLite file database in a temporary
directory, with the production settings (bench/benchlib.py). Prints the median of repeated runs
and the queries each call makes.

    .venv/bin/python bench/availability.py [--repeat 200]
"""

from __future__ import annotations

import argparse
from datetime import timedelta

import benchlib

PRACTITIONERS = 10
BOOKED_DAYS = 30


def seed():
    """The peer's workload with growth's generator: every other 30-minute slot of the next
    30 days booked (8 visits a practitioner a working day), none cancelled."""
    from django.utils import timezone

    today = timezone.localdate()
    clinic = benchlib.clinic_generate(
        practitioners=PRACTITIONERS,
        patients=1,
        visits=PRACTITIONERS * BOOKED_DAYS * 8,
        first_day=today + timedelta(days=1),
        last_day=today + timedelta(days=BOOKED_DAYS),
        visit_minutes=30,
        spacing_minutes=60,
        types=1,
        reminders=False,
        future_cancelled=0,
        prefix="consultation",
    )
    return clinic.measured_type, clinic.practitioners


def measure(label: str, target_ms: float, repeat: int, call) -> bool:
    timing = benchlib.measure(label, call, repeat=repeat)
    ok = timing.wall_ms <= target_ms
    # CPU time too: on a shared machine the wall clock also counts other processes' turns.
    print(
        f"{label:<46} median {timing.wall_ms:6.2f} ms wall, {timing.cpu_ms:6.2f} ms CPU "
        f"(target <= {target_ms:g} ms; {timing.queries} queries; {timing.detail}) "
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

    # Its own throw-away SQLite database: never the developer's, never PostgreSQL.
    env = benchlib.production_env(
        var_dir=benchlib.scratch_var_dir("availability"), database_url="", redis_url=""
    )
    benchlib.django_start(env, static=False)  # JSON only: no page, no static files
    from django.db import connection
    from django.utils import timezone

    from booking.models import Appointment
    from booking.scheduling.selectors import available_slots, bookable_days

    benchlib.database_reset()
    ctype, practitioners = seed()
    today = timezone.localdate()
    first = today + timedelta(days=1)
    while first.weekday() >= 5:
        first += timedelta(days=1)
    client = benchlib.client()
    url = f"/api/availability?type={ctype.slug}&start={first.isoformat()}&days=14"
    print(
        f"SQLite {connection.settings_dict['NAME']}: {PRACTITIONERS} practitioners, "
        f"{Appointment.objects.count()} appointments, {args.repeat} runs each; "
        f"{benchlib.uptime()}"
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
