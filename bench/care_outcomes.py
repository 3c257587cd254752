"""The manager's clinic view of outcomes on a large clinic (see docs/performance.md).

10,000 patients in plans (two treatments), a baseline and five follow-up time points each, all
due; 80 % of follow-ups answered: 50,000 answers on the pain instrument (bench/benchlib.py
`care_generate`). Times `outcomes_report` (the page's figures and `manage.py outcomes_report`,
computed in SQL) beside its Python reference `outcomes_report_python`,
the de-identified CSV rows, and the page itself through the test client (production settings),
median wall and CPU time of `--repeat` runs, with queries.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_care_bench \
        .venv/bin/python bench/care_outcomes.py [--patients 10000] [--repeat 5]

Needs an existing, throw-away PostgreSQL database: it WIPES it (an empty schema, migrated).
Never point it at real data.
"""

from __future__ import annotations

import argparse

import benchlib


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    env = benchlib.production_env(
        var_dir=benchlib.scratch_var_dir("care"),
        database_url=benchlib.scratch_postgres_url(),
        redis_url="",
    )
    benchlib.django_start(env)
    from django.utils import timezone

    from booking.backoffice.roles import MANAGER
    from care.models import Instrument
    from care.report import (
        outcomes_deidentified_rows,
        outcomes_report,
        outcomes_report_python,
    )

    benchlib.database_reset()
    print(benchlib.care_generate(args.patients), benchlib.uptime())
    pain = Instrument.objects.get(slug="pain-now")
    now = timezone.now()
    client = benchlib.client(benchlib.staff_user(MANAGER, "bench.manager"))
    for label, fn in [
        ("outcomes_report()", lambda: outcomes_report(instrument=pain, now=now) and ""),
        # The Python reference the SQL replaced, timed beside it under the same load.
        (
            "  Python reference",
            lambda: outcomes_report_python(instrument=pain, now=now) and "",
        ),
        (
            "de-identified rows",
            lambda: outcomes_deidentified_rows(instrument=pain, now=now) and "",
        ),
        ("GET outcomes page", benchlib.ok_get(client, "/admin/care/careplan/outcomes/")),
        ("GET outcomes CSV", benchlib.ok_get(client, "/admin/care/careplan/outcomes.csv")),
    ]:
        timing = benchlib.measure(label, fn, repeat=args.repeat, warmup=0)
        print(
            f"{label:<22} median {timing.wall_ms:8.1f} ms wall {timing.cpu_ms:8.1f} ms CPU  "
            f"{timing.queries} queries"
        )


if __name__ == "__main__":
    main()
