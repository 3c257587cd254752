"""CPU per request, in process: booking (the confirm POST), the time picker, the staff day view,
the reports page, the manager's care clinic view, the availability API, the pages issues 13-17
added (a patient's private pages, the waitlist form, the Spanish picker, the front desk's week
and a patient's record), and the public content pages (home, /book/, the library's list, a
topic, an article, Spanish ones) both from the shared page cache and made afresh.

    .venv/bin/python bench/pages_cpu.py [--repeat 100]            # SQLite, a scratch file
    .venv/bin/python bench/pages_cpu.py --profile 2               # cProfile of case 2
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_perf \
        BENCH_REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/pages_cpu.py --postgres

Each request goes through Django's test client with the production settings (DEBUG off, https
as behind the TLS proxy, every middleware; CSRF is not enforced by the test client). The data:
`seed_demo` (3 practitioners, articles, 40 care patients), about half of the follow-up type's
time booked for the next 30 days (like the peer's workload, as in bench/side_by_side.py),
growth's 1x clinic (bench/growth.py: 5 more practitioners, 500 patients, 2,000 visits over 8
weeks and the next 60 days) and `--care-patients` more patients in care plans. A scratch SQLite
file in a temporary VAR_DIR, or with --postgres the database in BENCH_DATABASE_URL, which is
WIPED (and Redis in BENCH_REDIS_URL as cache and broker: the booking's emails are queued on a
bench-only queue that nothing consumes, deleted at the end).

Prints the median CPU time of this process per request (and wall time, queries, and on
PostgreSQL the database backend's mean CPU per request) over `--repeat` requests after one.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from datetime import UTC, datetime, timedelta

import benchlib

QUEUE = "bench-pages"


def free_slots(consultation_type, count: int) -> list:
    """`count` free times that do not overlap each other: each booking leaves the next free."""
    from django.utils import timezone

    from booking.scheduling.selectors import available_slots

    today = timezone.localdate()
    slots = available_slots(
        consultation_type=consultation_type, first_day=today, last_day=today + timedelta(days=60)
    )
    chosen, last_end = [], {}
    for day in sorted(slots):
        for slot in sorted(slots[day], key=lambda s: (s.practitioner_id, s.start)):
            if slot.start < last_end.get(slot.practitioner_id, slot.start):
                continue
            last_end[slot.practitioner_id] = slot.end
            chosen.append(slot)
    if len(chosen) < count:
        raise SystemExit(f"only {len(chosen)} free times for {count} bookings: lower --repeat")
    return chosen[:count]


def booking_post(c, consultation_type, slots: list):
    url = f"/book/{consultation_type.slug}/confirm/"
    remaining = iter(slots)

    def post() -> str:
        slot = next(remaining)
        who = secrets.token_hex(6)
        response = c.post(
            url,
            {
                "start": slot.start.isoformat(),
                "practitioner": str(slot.practitioner_id),
                "full_name": f"Bench Patient {who}",
                "email": f"bench-{who}@example.com",
                "phone": "(413) 555-0199",
                "date_of_birth": "1960-04-02",
                "joints": ["knee"],
                "note": "",
                "reminders": "on",
                "privacy": "on",
                "website": "",
                "submission_key": secrets.token_urlsafe(24),
            },
        )
        assert response.status_code == 302, (response.status_code, slot.start)
        return "302 to the confirmation"

    return post


def other_pages(public, reception, *, clinic_day) -> list:
    """The pages the care plans, waitlist, front desk, texts and Spanish issues added: a patient's
    private pages (the demo's, through their real links), the waitlist form, the front desk's
    week and a patient's record, and the Spanish time picker."""
    from django.urls import reverse
    from django.utils import timezone

    from booking.links.tokens import manage_token
    from booking.models import Appointment
    from care.links import plan_token
    from care.models import CarePlan

    # A follow-up a week or more ahead: the patient may still move it online.
    upcoming = (
        Appointment.objects.filter(
            start__gt=timezone.now() + timedelta(days=7),
            status="confirmed",
            consultation_type__slug="follow-up",
        )
        .exclude(patient__email="")
        .order_by("start")
        .first()
    )
    # The record of a patient of growth's clinic, with the few visits a real record has (not
    # half_booked's one patient, who holds hundreds).
    record_patient = (
        Appointment.objects.filter(patient__email__endswith="@bench.example")
        .exclude(patient__email="half@bench.example")
        .values_list("patient_id", flat=True)
        .first()
    )
    token = manage_token(upcoming)
    plan = CarePlan.objects.filter(status="active").order_by("pk").first()
    care = plan_token(plan)
    return [
        (
            "patient: manage page (private link)",
            benchlib.ok_get(public, reverse("booking:manage", args=[token])),
        ),
        (
            "patient: reschedule picker",
            benchlib.ok_get(public, reverse("booking:manage_reschedule", args=[token])),
        ),
        (
            "patient: pre-visit questionnaire",
            benchlib.ok_get(public, reverse("booking:questionnaire", args=[token])),
        ),
        ("patient: care plan page", benchlib.ok_get(public, reverse("care:plan", args=[care]))),
        ("patient: consent page", benchlib.ok_get(public, reverse("care:consent", args=[care]))),
        ("patient: waitlist form", benchlib.ok_get(public, "/book/follow-up/waitlist/")),
        (
            "patient: Spanish time picker /es/book/follow-up/",
            benchlib.ok_get(public, "/es/book/follow-up/"),
        ),
        (
            "front desk: week, whole clinic",
            benchlib.ok_get(
                reception, f"/admin/booking/appointment/schedule/week/?date={clinic_day}"
            ),
        ),
        (
            "front desk: a patient's record",
            benchlib.ok_get(
                reception, reverse("admin:booking_patient_record", args=[record_patient])
            ),
        ),
    ]


def content_pages(public) -> list:
    """The public pages the shared page cache serves (clinic/pagecache.py), each from the cache
    (a hit, after the first request) and made afresh (a query string is never cached)."""
    from education.models import Article

    article = Article.objects.published().filter(language="en").order_by("pk").first()
    spanish = Article.objects.published().filter(language="es").order_by("pk").first()
    pages = [
        ("home", "/"),
        ("consultation list", "/book/"),
        ("article list", "/learn/"),
        ("topic", article.topic.get_absolute_url()),
        ("article", article.get_absolute_url()),
        ("home, Spanish", "/es/"),
    ]
    if spanish is not None:
        pages.append(("article, Spanish", spanish.get_absolute_url()))
    plan = []
    for name, path in pages:
        plan.append((f"{name} {path} (page cache)", benchlib.ok_get(public, path)))
        plan.append((f"{name} {path} (uncached)", benchlib.ok_get(public, f"{path}?fresh=1")))
    return plan


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="BENCH_DATABASE_URL + Redis")
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--care-patients", type=int, default=1000)
    parser.add_argument("--report", help="JSON path (default var/bench/pages-cpu-<time>.json)")
    parser.add_argument(
        "--profile", type=int, metavar="N", help="cProfile case N (1-29) instead of timing all"
    )
    parser.add_argument("--cases", help="only these cases, by number, e.g. 2,6")
    args = parser.parse_args()
    redis_url = ""
    if args.postgres:
        redis_url = os.environ.get("BENCH_REDIS_URL", "")
        if not redis_url.startswith("redis"):
            raise SystemExit("--postgres needs BENCH_REDIS_URL (e.g. redis://127.0.0.1:6379/14)")
    env = benchlib.production_env(
        var_dir=benchlib.scratch_var_dir("pages"),
        database_url=benchlib.scratch_postgres_url() if args.postgres else "",
        redis_url=redis_url,
        extra={"BOOKING_RATE_LIMIT": "100000000", "CELERY_QUEUE": QUEUE},
    )
    benchlib.django_start(env)
    from django.utils import timezone

    from booking.backoffice.roles import MANAGER, RECEPTION
    from booking.models import Appointment, ConsultationType

    benchlib.database_reset()
    benchlib.demo_seed()
    today = timezone.localdate()
    follow_up = ConsultationType.objects.get(slug="follow-up")
    benchlib.half_booked(follow_up, first_day=today, days=30)
    clinic = benchlib.clinic_generate(
        practitioners=5,
        patients=500,
        visits=2_000,
        first_day=today - timedelta(days=56),
        last_day=today + timedelta(days=60),
    )
    care = benchlib.care_generate(args.care_patients)
    benchlib.analyze()
    report = {"machine": benchlib.machine(), "repeat": args.repeat}
    print(report["machine"], flush=True)
    print(
        f"{Appointment.objects.count():,} visits, {len(clinic.practitioners) + 3} practitioners, "
        f"care: {care}",
        flush=True,
    )
    day = today + timedelta(days=7)
    while day.weekday() >= 4:  # Monday-Thursday: every demo practitioner works
        day += timedelta(days=1)
    monday = today - timedelta(days=today.weekday() + 7)
    practitioner = follow_up.practitioners.filter(active=True).order_by("pk").first().pk
    # Three weeks ahead, past the times the booking case takes (the earliest free ones).
    free_day = today + timedelta(days=21)
    while free_day.weekday() >= 4:
        free_day += timedelta(days=1)
    public = benchlib.client()
    reception = benchlib.client(benchlib.staff_user(RECEPTION))
    manager = benchlib.client(benchlib.staff_user(MANAGER))
    week = f"from={monday}&to={monday + timedelta(days=6)}&group=week"
    plan = [
        (
            "booking: confirm POST (a new patient)",
            booking_post(public, follow_up, free_slots(follow_up, args.repeat + 2)),
        ),
        ("time picker GET /book/follow-up/", benchlib.ok_get(public, "/book/follow-up/")),
        (
            f"staff day view, whole clinic ({len(clinic.practitioners) + 3} columns)",
            benchlib.ok_get(reception, f"/admin/booking/appointment/schedule/day/?date={day}"),
        ),
        (
            f"reports page, week of {monday}",
            benchlib.ok_get(manager, f"/admin/booking/appointment/reports/?{week}"),
        ),
        (
            f"care clinic view ({care['patients'] + 40:,} patients in plans)",
            benchlib.ok_get(manager, "/admin/care/careplan/outcomes/"),
        ),
        (
            "availability API, 1 practitioner, 1 day",
            benchlib.ok_get(
                public,
                f"/api/availability?type=follow-up&start={free_day}&days=1"
                f"&practitioner={practitioner}",
            ),
        ),
        *other_pages(public, reception, clinic_day=day),
    ]
    plan += content_pages(public)
    if args.profile:
        name, fn = plan[args.profile - 1]
        print(f"profile of {args.repeat} requests: {name}")
        benchlib.profile(fn, args.repeat)
        return 0
    load_before = benchlib.load_average()
    timings = []
    chosen = {int(n) for n in args.cases.split(",")} if args.cases else None
    for number, (name, fn) in enumerate(plan, start=1):
        if chosen is not None and number not in chosen:
            continue
        timing = benchlib.measure(name, fn, repeat=args.repeat)
        timings.append(timing)
        print(
            f"  {name:<46} CPU {benchlib.ms(timing.cpu_ms):>6} ms  wall "
            f"{benchlib.ms(timing.wall_ms):>6} ms  db {benchlib.ms(timing.db_cpu_ms):>5} ms  "
            f"{timing.queries:>3} queries  {timing.detail}",
            flush=True,
        )
    report["load_average"] = [load_before, benchlib.load_average()]
    report["uptime_end"] = benchlib.uptime()
    report["cases"] = [t.row() for t in timings]
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).delete(QUEUE)
    engine = "PostgreSQL + Redis" if args.postgres else "SQLite"
    print(
        benchlib.markdown_table(
            ["page", f"CPU ms ({engine})", "wall ms", "DB backend CPU ms", "queries"],
            [
                [
                    t.name,
                    benchlib.ms(t.cpu_ms),
                    benchlib.ms(t.wall_ms),
                    benchlib.ms(t.db_cpu_ms),
                    t.queries,
                ]
                for t in timings
            ],
        )
    )
    print(f"load average {load_before} -> {report['load_average'][1]}")
    stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%S")
    path = args.report or benchlib.BENCH_VAR / f"pages-cpu-{stamp}.json"
    benchlib.BENCH_VAR.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as out:
        json.dump(report, out, indent=2, default=str)
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
