"""The manager's reports over a year with 100,000 visits, on PostgreSQL.

    createdb -h 127.0.0.1 -U postgres clinic_bench_reports
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_bench_reports \
        .venv/bin/python bench/reports.py [--visits 100000] [--repeat 7]

Needs an existing PostgreSQL database that it WIPES (an empty schema, migrated): never point it
at real data. Builds, with growth's generator (bench/benchlib.py `clinic_generate`), 20
practitioners working 08:00-18:00 every day, 5 consultation types of 20 minutes, 25,000 patients
and `--visits` visits spread over the last 365 days (mixed sources and statuses, lead times of
0-60 days, a reminder row per visit), then times `report_build` for the whole year by week,
practitioner and type, and the full page (Django test client, every middleware, production
settings) by week. Prints the median wall and CPU time of `--repeat` runs after one warm-up,
and the queries of each; exits non-zero if a median misses 500 ms.
"""

from __future__ import annotations

import argparse
import sys
from datetime import time, timedelta

import benchlib

TARGET_MS = 500


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    env = benchlib.production_env(
        var_dir=benchlib.scratch_var_dir("reports"),
        database_url=benchlib.scratch_postgres_url(),
        redis_url="",
    )
    benchlib.django_start(env)
    from django.utils import timezone

    from booking.backoffice.roles import MANAGER
    from booking.reports.selectors import report_build

    benchlib.database_reset()
    today = timezone.localdate()
    first_day = today - timedelta(days=364)
    clinic = benchlib.clinic_generate(
        practitioners=20,
        patients=25_000,
        visits=args.visits,
        first_day=first_day,
        last_day=today,
        weekdays=range(7),
        day_start=time(8),
        day_end=time(18),
        visit_minutes=20,
        spacing_minutes=25,
    )
    benchlib.settle()  # VACUUM ANALYZE + CHECKPOINT, as the document says
    print(
        f"{clinic.visits:,} visits from {first_day} to {today} "
        f"(generated in {clinic.seconds:.0f} s); {benchlib.uptime()}"
    )
    client = benchlib.client(benchlib.staff_user(MANAGER))
    page = f"/admin/booking/appointment/reports/?from={first_day}&to={today}&group=week"
    cases = {
        f"report_build, 365 days by {g}": (
            lambda g=g: report_build(first_day=first_day, last_day=today, grouping=g) and ""
        )
        for g in ("week", "practitioner", "type")
    }
    cases["GET reports page, 365 days by week"] = benchlib.ok_get(client, page)
    failed = False
    print("| case | median | CPU | queries |\n|---|---|---|---|")
    for name, fn in cases.items():
        timing = benchlib.measure(name, fn, repeat=args.repeat)
        failed |= timing.wall_ms > TARGET_MS
        print(f"| {name} | {timing.wall_ms:.0f} ms | {timing.cpu_ms:.0f} ms | {timing.queries} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
