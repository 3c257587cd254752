"""Growth: what the patient's and the staff's pages cost as the clinic's data grows, on PostgreSQL.

    createdb -h 127.0.0.1 -U postgres clinic_perf
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_perf \
        .venv/bin/python bench/growth.py [--scales 1,10,100] [--repeat 30] [--max-minutes 30]

The database in BENCH_DATABASE_URL is a scratch one: it is migrated from an empty schema and its
data WIPED at every scale. Scales (visits spread evenly, about 4.8 a practitioner a working day
at every scale, 60 days ahead included):

    1x    5 practitioners,    500 patients,   2,000 visits, 8 weeks of history
    10x   16 practitioners, 5,000 patients,  20,000 visits, 300 days
    100x  50 practitioners, 50,000 patients, 200,000 visits, three years

At each scale, through Django's test client with the production settings (DEBUG off, https):
the availability endpoint (1 practitioner, 1 day), the time picker on that day, the staff day
view of that day (one practitioner, then the whole clinic: that one grows with the columns),
the reports page and `report_build` for the last complete week, on tables vacuumed and analysed
after the load (benchlib.settle: as autovacuum keeps them in production). The measured
consultation type is offered by the same five practitioners at every scale, so the patient's
pages show the same times whatever the size; the data around them grows. Median wall and CPU
time of `--repeat` runs, queries, the PostgreSQL backend's CPU (to the nanosecond; plans kept
serial so that all of a query's CPU is the backend's: _serial_plans), and the big tables
(>= 5,000 rows) each case's plans read with a sequential scan: a query that grows with the data.

Bounded: the data generation stops past its share of `--max-minutes`, and the whole run at it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta

import benchlib

SCALES = {
    1: {"practitioners": 5, "patients": 500, "visits": 2_000, "history_days": 56},
    10: {"practitioners": 16, "patients": 5_000, "visits": 20_000, "history_days": 300},
    100: {"practitioners": 50, "patients": 50_000, "visits": 200_000, "history_days": 1095},
}
AHEAD_DAYS = 60


def cases(clinic, *, repeat: int, only: str = "") -> list[benchlib.Timing]:
    from django.utils import timezone

    from booking.backoffice.roles import MANAGER, RECEPTION
    from booking.models import Appointment
    from booking.reports.selectors import report_build

    today = timezone.localdate()
    day = today + timedelta(days=14)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    monday = today - timedelta(days=today.weekday() + 7)
    sunday = monday + timedelta(days=6)
    slug, practitioner = clinic.measured_type.slug, clinic.practitioners[0].pk
    public = benchlib.client()
    reception = benchlib.client(benchlib.staff_user(RECEPTION))
    manager = benchlib.client(benchlib.staff_user(MANAGER))
    schedule = "/admin/booking/appointment/schedule/day/"
    week_visits = Appointment.objects.filter(
        start__date__gte=monday, start__date__lte=sunday
    ).count()
    plan = [
        (
            "availability, 1 practitioner, 1 day",
            benchlib.ok_get(
                public,
                f"/api/availability?type={slug}&start={day}&days=1&practitioner={practitioner}",
            ),
        ),
        ("time picker on that day", benchlib.ok_get(public, f"/book/{slug}/?date={day}")),
        (
            "staff day view, one practitioner",
            benchlib.ok_get(reception, f"{schedule}?date={day}&practitioner={practitioner}"),
        ),
        (
            f"staff day view, whole clinic ({len(clinic.practitioners)} columns)",
            benchlib.ok_get(reception, f"{schedule}?date={day}"),
        ),
        (
            f"reports page, week of {monday} ({week_visits:,} visits)",
            benchlib.ok_get(
                manager,
                f"/admin/booking/appointment/reports/?from={monday}&to={sunday}&group=week",
            ),
        ),
        (
            "report_build, that week by week",
            lambda: report_build(first_day=monday, last_day=sunday, grouping="week") and "",
        ),
    ]
    results = []
    for name, fn in plan:
        if only and only not in name:
            continue
        timing = benchlib.measure(name, fn, repeat=repeat)
        timing.seq_scans = benchlib.seq_scans(timing.sql)
        results.append(timing)
        ms = benchlib.ms
        print(
            f"  {name:<52} {ms(timing.wall_ms):>7} ms wall {ms(timing.cpu_ms):>7} ms CPU",
            f"db {ms(timing.db_cpu_ms):>6} ms {timing.queries:>3} queries {timing.detail};",
            f"seq scans: {', '.join(timing.seq_scans) or 'none'}",
            flush=True,
        )
    return results


def _serial_plans() -> None:
    """No parallel workers on the bench's connections. The database's CPU is read from the
    request's backend process; a parallel plan's workers are other processes, and their CPU
    (two thirds of a parallel scan's) went uncounted: a query reading a big table whole looked
    cheaper than one reading the rows it needs. Serial, the whole of each query is counted."""
    from django.db.backends.signals import connection_created

    def serial(sender, connection, **kwargs):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET max_parallel_workers_per_gather = 0")

    connection_created.connect(serial, weak=False)


def _kept_clinic(scale: int, today) -> benchlib.Clinic | None:
    """--keep: switch to the scale's own database (made if missing) and migrate it; the clinic
    in it when it was generated today for this scale (the comment on the database says so),
    else None, the database emptied for a new one."""
    from django.core.management import call_command
    from django.db import connection

    name = f"{connection.settings_dict['NAME'].split('_kept_')[0]}_kept_{scale}x"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    connection.settings_dict["NAME"] = name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        )
        mark = json.loads(cursor.fetchone()[0] or "{}")
    if mark.get("scale") != scale or mark.get("day") != str(today):
        benchlib.database_reset()
        return None
    call_command("migrate", "--noinput", verbosity=0)
    from booking.models import ConsultationType, Practitioner

    return benchlib.Clinic(
        types=list(ConsultationType.objects.filter(slug__startswith="growth-").order_by("slug")),
        practitioners=list(Practitioner.objects.order_by("pk")),
        first_day=datetime.fromisoformat(mark["first_day"]).date(),
        last_day=datetime.fromisoformat(mark["last_day"]).date(),
        patients=mark["patients"],
        visits=mark["visits"],
        per_practitioner_day=mark["per_practitioner_day"],
        seconds=0.0,
    )


def _mark_kept(scale: int, today, clinic: benchlib.Clinic) -> None:
    from django.db import connection

    mark = {
        "scale": scale,
        "day": str(today),
        "first_day": str(clinic.first_day),
        "last_day": str(clinic.last_day),
        "patients": clinic.patients,
        "visits": clinic.visits,
        "per_practitioner_day": clinic.per_practitioner_day,
    }
    with connection.cursor() as cursor:
        name = connection.ops.quote_name(connection.settings_dict["NAME"])
        cursor.execute(f"COMMENT ON DATABASE {name} IS %s", [json.dumps(mark)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument(
        "--no-bracket",
        action="store_true",
        help="do not measure the first scale again at the end",
    )
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--max-minutes", type=float, default=30)
    parser.add_argument(
        "--only", default="", help="measure only the cases whose name holds this text: report"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="each scale's data in a database of its own (BENCH_DATABASE_URL's name + _<scale>x), "
        "generated once a day and reused (migrated to the latest): to iterate on a change",
    )
    parser.add_argument("--report", help="JSON report path (default var/bench/growth-<time>.json)")
    parser.add_argument("--summary", metavar="JSON", help="print the table of a report again")
    args = parser.parse_args()
    if args.summary:
        with open(args.summary) as report:
            print(summary(json.load(report)))
        return 0
    scales = [int(s.rstrip("x")) for s in args.scales.split(",")]
    if unknown := set(scales) - set(SCALES):
        raise SystemExit(f"unknown scales {sorted(unknown)}; known: {sorted(SCALES)}")
    started = time.monotonic()
    deadline = started + args.max_minutes * 60
    var_dir = benchlib.scratch_var_dir("growth")
    env = benchlib.production_env(
        var_dir=var_dir, database_url=benchlib.scratch_postgres_url(), redis_url=""
    )
    benchlib.django_start(env)
    _serial_plans()
    from django.utils import timezone

    if not args.keep:
        benchlib.database_reset()
    report = {"machine": benchlib.machine(), "repeat": args.repeat, "scales": {}}
    print(report["machine"]["uptime"], flush=True)
    today = timezone.localdate()
    # The first scale again at the end (it takes seconds): the larger ones are compared with
    # the mean of the two, so a change in the machine's load during the run does not pass for
    # growth, and the two show how much it moved.
    runs = [(s, f"{s}x") for s in scales]
    if len(scales) > 1 and not args.no_bracket:
        runs.append((scales[0], f"{scales[0]}x again"))
    for scale, key in runs:
        spec = SCALES[scale]
        load_before = benchlib.load_average()
        clinic = _kept_clinic(scale, today) if args.keep else None
        if clinic is None:
            if not args.keep:
                benchlib.booking_data_wipe()
            clinic = benchlib.clinic_generate(
                practitioners=spec["practitioners"],
                patients=spec["patients"],
                visits=spec["visits"],
                first_day=today - timedelta(days=spec["history_days"]),
                last_day=today + timedelta(days=AHEAD_DAYS),
                type_practitioners=5,
                prefix="growth",
                deadline=deadline,
            )
            if args.keep:
                _mark_kept(scale, today, clinic)
        benchlib.settle()
        print(
            f"{key}: {clinic.visits:,} visits ({clinic.per_practitioner_day:.1f} a practitioner "
            f"a working day), {clinic.patients:,} patients, {len(clinic.practitioners)} "
            f"practitioners, {clinic.first_day} to {clinic.last_day}; generated in "
            f"{clinic.seconds:.1f} s",
            flush=True,
        )
        timings = cases(clinic, repeat=args.repeat, only=args.only)
        report["scales"][key] = {
            "data": {
                "practitioners": len(clinic.practitioners),
                "patients": clinic.patients,
                "visits": clinic.visits,
                "first_day": str(clinic.first_day),
                "last_day": str(clinic.last_day),
                "generated_seconds": round(clinic.seconds, 1),
            },
            "load_average": [load_before, benchlib.load_average()],
            "cases": [t.row() for t in timings],
        }
        if time.monotonic() > deadline:
            print(f"stopping: over --max-minutes {args.max_minutes}", flush=True)
            break
    report["uptime_end"] = benchlib.uptime()
    print(summary(report))
    path = args.report or benchlib.BENCH_VAR / f"growth-{datetime.now(tz=UTC):%Y%m%dT%H%M%S}.json"
    benchlib.BENCH_VAR.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as out:
        json.dump(report, out, indent=2, default=str)
    print(f"report: {path}")
    return 0


def summary(report: dict) -> str:
    """Markdown: CPU per case at each scale (this process + the database backend, then the
    wall clock), and the largest scale against the smallest (the mean of its two runs when the
    run was bracketed)."""
    keys = list(report["scales"])
    base = [k for k in keys if k.split()[0] == keys[0]]
    largest = next((k for k in reversed(keys) if k not in base), None)
    names = [c["name"] for c in report["scales"][keys[0]]["cases"]]
    header = ["case", *[f"{k}: CPU ms app + db (wall)" for k in keys]]
    if largest:
        header.append(f"{largest} / {keys[0]} (CPU app + db)")
    last = largest or keys[-1]
    header += [f"queries ({last})", f"seq scans of big tables ({last})"]

    def total(case: dict) -> float:
        return case["cpu_ms"] + (case["db_cpu_ms"] or 0)

    ms = benchlib.ms
    rows = []
    for i, name in enumerate(names):
        cells = {k: report["scales"][k]["cases"][i] for k in keys}
        row = [name.split(" (")[0].split(", week of")[0]]
        row += [
            f"{ms(c['cpu_ms'])} + {ms(c['db_cpu_ms'])} ({ms(c['wall_ms'])})" for c in cells.values()
        ]
        if largest:
            reference = sum(total(cells[k]) for k in base) / len(base)
            row.append(f"**{total(cells[largest]) / reference:.2f}x**")
        row += [cells[last]["queries"], ", ".join(cells[last]["seq_scans"]) or "none"]
        rows.append(row)
    data = "; ".join(
        f"{s}: {d['data']['visits']:,} visits, {d['data']['patients']:,} patients, "
        f"{d['data']['practitioners']} practitioners, load {d['load_average'][0][0]:.1f}"
        for s, d in report["scales"].items()
    )

    def case(data: dict, starts: str) -> dict | None:
        # By name: --only measures some of the cases.
        return next((c for c in data["cases"] if c["name"].startswith(starts)), None)

    weeks = ", ".join(
        f"{s}: {c['name'].split('(')[-1].rstrip(')')}"
        for s, d in report["scales"].items()
        if (c := case(d, "reports page"))
    )
    # The whole clinic's day view grows with its columns by design: its cost per column, and
    # what each column past the smallest scale's added.
    whole = "staff day view, whole clinic"
    columns = ", ".join(
        f"{s}: {total(c) / d['data']['practitioners']:.1f} ms"
        for s, d in report["scales"].items()
        if (c := case(d, whole))
    )
    if largest and case(report["scales"][largest], whole):
        big, small = report["scales"][largest], report["scales"][keys[0]]
        added = big["data"]["practitioners"] - small["data"]["practitioners"]
        if added > 0:
            reference = sum(total(case(report["scales"][k], whole)) for k in base) / len(base)
            each = (total(case(big, whole)) - reference) / added
            columns += f"; each column past {keys[0]}'s: {each:.1f} ms"
    return (
        benchlib.markdown_table(header, rows)
        + f"\n\n{data}\nreported week: {weeks}\n"
        + f"whole-clinic day view, CPU app + db per column: {columns}"
    )


if __name__ == "__main__":
    sys.exit(main())
