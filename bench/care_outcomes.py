"""The manager's clinic view of outcomes on a large clinic (see docs/performance.md).

10,000 patients in plans (two treatments), a baseline and five follow-up time points each, all
due; 80 % of follow-ups answered: 50,000 answers on the pain instrument. Times
`outcomes_report` (the page's figures and `manage.py outcomes_report`, computed in SQL) and its
Python reference `outcomes_report_python` under the same load, the de-identified CSV
rows, and the page itself through the test client, median of `--repeat` runs, with queries.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_care_bench \
        .venv/bin/python bench/care_outcomes.py [--patients 10000] [--repeat 5]

Needs an existing, empty-or-throwaway PostgreSQL database: it migrates it and WIPES its care
plans and patients first. Never point it at real data.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

if not os.environ.get("BENCH_DATABASE_URL"):
    sys.exit("Set BENCH_DATABASE_URL to a throw-away PostgreSQL database.")
os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
os.environ.pop("REDIS_URL", None)
os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="clinic-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

settings.DEBUG = False
settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

FOLLOW_UPS = [42, 91, 182, 270, 365]


def fill(patients: int) -> None:
    from booking.backoffice.roles import MANAGER, roles_sync
    from booking.models import Patient, Practitioner
    from care.models import CarePlan, Instrument, PlanTemplate, Response, TimePoint

    call_command("migrate", verbosity=0)
    roles_sync()
    CarePlan.objects.all().delete()
    Patient.objects.all().delete()
    pain = Instrument.objects.get(slug="pain-now")
    clinician = Practitioner.objects.first() or Practitioner.objects.create(display_name="Bench")
    templates = [PlanTemplate.objects.get_or_create(name=n)[0] for n in ("Knee PRP", "Hip PRP")]
    rng = random.Random(1)  # noqa: S311
    now = timezone.now()
    people = Patient.objects.bulk_create(
        (Patient(full_name=f"Bench {i}") for i in range(patients)), batch_size=2000
    )
    plans = CarePlan.objects.bulk_create(
        (
            CarePlan(patient=p, template=templates[i % 2], clinician=clinician, started_at=now)
            for i, p in enumerate(people)
        ),
        batch_size=2000,
    )
    points = TimePoint.objects.bulk_create(
        (
            TimePoint(plan=plan, days_after_procedure=d, due_at=now - timedelta(days=400 - d))
            for plan in plans
            for d in [0, *FOLLOW_UPS]
        ),
        batch_size=5000,
    )
    answers = []
    for point in points:
        if point.days_after_procedure == 0:
            score = rng.randint(5, 9)
        elif rng.random() < 0.8:
            score = max(0, min(10, 7 - rng.randint(-2, 5)))
        else:
            continue
        answers.append(
            Response(time_point=point, instrument=pain, score=score, submitted_at=point.due_at)
        )
    Response.objects.bulk_create(answers, batch_size=5000)
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user, _ = get_user_model().objects.get_or_create(
        username="bench.manager", defaults={"is_staff": True}
    )
    user.groups.add(Group.objects.get(name=MANAGER))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"{patients} patients, {len(points)} time points, {len(answers)} answers")


def timed(fn, repeat: int) -> tuple[float, int]:
    runs = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - start)
    return statistics.median(runs) * 1000, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    fill(args.patients)

    from django.contrib.auth import get_user_model

    from care.models import Instrument
    from care.report import (
        outcomes_deidentified_rows,
        outcomes_report,
        outcomes_report_python,
    )

    pain = Instrument.objects.get(slug="pain-now")
    now = timezone.now()
    client = Client(SERVER_NAME="localhost")
    client.force_login(get_user_model().objects.get(username="bench.manager"))
    for label, fn in [
        ("outcomes_report()", lambda: outcomes_report(instrument=pain, now=now)),
        # The Python reference the SQL replaced, timed beside it under the same load.
        ("  Python reference", lambda: outcomes_report_python(instrument=pain, now=now)),
        ("de-identified rows", lambda: outcomes_deidentified_rows(instrument=pain, now=now)),
        ("GET outcomes page", lambda: client.get("/admin/care/careplan/outcomes/")),
        ("GET outcomes CSV", lambda: client.get("/admin/care/careplan/outcomes.csv")),
    ]:
        ms, queries = timed(fn, args.repeat)
        print(f"{label:<22} median {ms:8.1f} ms  {queries} queries")


if __name__ == "__main__":
    main()
