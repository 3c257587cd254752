"""What the bench/ scripts share: scratch databases, the production settings, gunicorn, timing,
the machine's load, and the data generators (visits, patients, care plans).

A script in bench/ imports it as `benchlib` (Python puts the script's own folder on sys.path).
Nothing here touches a developer's database: a scratch SQLite file in a new temporary VAR_DIR,
or the PostgreSQL database a script is given in BENCH_DATABASE_URL, which it WIPES.

Django is imported lazily: a script first builds its environment (`production_env`), then calls
`django_start(env)`, then uses the rest.
"""

from __future__ import annotations

import atexit
import io
import math
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_VAR = REPO / "var" / "bench"
# Long and varied enough for the production start-up check (Django's W009 rule); bench only.
BENCH_SECRET_KEY = "bench-only-not-a-secret-" + "q7Zx2Lm9Kp4Rt8Vw3Ny6Hb1Jc5Fd0Gs"
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- Environment and Django ------------------------------------------------------------------


def production_env(
    *,
    var_dir: Path | None = None,
    database_url: str | None = None,
    redis_url: str | None = None,
    port: int = 8000,
    workers: int = 2,
    behind_proxy: bool = True,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The production settings of docs/deploy.md for a bench on loopback.

    `behind_proxy` (the default) keeps every secure default and trusts `X-Forwarded-Proto`, as
    behind the TLS proxy of production: clients then send `X-Forwarded-Proto: https` (wrk) or
    use `benchlib.client()` (in process). Without it, plain http with the TLS redirect and
    secure cookies off (bench/load.py's Python client).

    gunicorn: `workers` sync workers, no access log and no worker recycling (a recycled worker
    starts cold, which the peer's server never does; production recycles every ~2,000 requests).
    `database_url`/`redis_url` None keep the caller's DATABASE_URL/REDIS_URL, "" drops them.
    """
    env = dict(os.environ)
    for name, value in (("DATABASE_URL", database_url), ("REDIS_URL", redis_url)):
        if value is not None:
            env.pop(name, None)
            if value:
                env[name] = value
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "DEBUG": "false",
            "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or BENCH_SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "STATIC_ROOT": str(BENCH_VAR / "static"),
            "LOG_LEVEL": "WARNING",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_MAX_REQUESTS": "0",
            "GUNICORN_ACCESS_LOG": "",
        }
    )
    if var_dir is not None:
        env["VAR_DIR"] = str(var_dir)
        env["EMAIL_OUTBOX_DIR"] = str(var_dir / "outbox")
        env["SMS_OUTBOX_DIR"] = str(var_dir / "sms-outbox")
    if behind_proxy:
        env["TRUST_X_FORWARDED_PROTO"] = "true"
        env["CSRF_TRUSTED_ORIGINS"] = f"https://127.0.0.1:{port}"
    else:
        env.update(
            {
                "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{port}",
                "SECURE_SSL_REDIRECT": "false",
                "SESSION_COOKIE_SECURE": "false",
                "CSRF_COOKIE_SECURE": "false",
                "SECURE_HSTS_SECONDS": "0",
            }
        )
    env.update(extra or {})
    return env


def scratch_var_dir(prefix: str) -> Path:
    """A new temporary VAR_DIR: its SQLite file, file cache and outboxes are the bench's own,
    removed when the script ends (after any server using it was stopped)."""
    path = Path(tempfile.mkdtemp(prefix=f"clinic-{prefix}-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def scratch_postgres_url(required: bool = True) -> str:
    """BENCH_DATABASE_URL: a PostgreSQL database the bench may wipe. Never DATABASE_URL."""
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url.startswith("postgres"):
        return url
    if required:
        raise SystemExit(
            "Set BENCH_DATABASE_URL to a scratch PostgreSQL database (its data is WIPED), e.g. "
            "BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_perf"
        )
    return ""


def django_start(env: dict[str, str], *, static: bool = True) -> None:
    """Django set up in this process with `env`; `static` first collects the static files
    (the production storage renders pages from their manifest)."""
    if static:
        collectstatic(env)
    os.environ.update(env)
    for name in ("DATABASE_URL", "REDIS_URL"):
        if name not in env:
            os.environ.pop(name, None)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    os.chdir(REPO)
    import django

    django.setup()


def database_reset() -> None:
    """An empty database at the latest migration. PostgreSQL: the public schema is dropped
    first (the data migrations' rows, such as starter articles and instruments, come back)."""
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", "--noinput", verbosity=0)


def demo_seed() -> None:
    """`manage.py seed_demo`: types, practitioners with hours, articles, care demo, logins."""
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0, stdout=io.StringIO())


def analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def settle() -> None:
    """VACUUM ANALYZE, then CHECKPOINT: the tables as autovacuum keeps a production database
    (the visibility map set, so index-only scans skip the table; the bench server runs with
    autovacuum off, and fresh COPY rows are not all-visible until a vacuum), and the load's
    writes flushed before the timing rather than during it."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")


def staff_user(role: str, username: str | None = None):
    """A staff login with one of the clinic's roles (booking/backoffice/roles.py)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from booking.backoffice.roles import roles_sync

    roles_sync()
    user, _ = get_user_model().objects.get_or_create(
        username=username or f"bench.{role.lower().replace(' ', '-')}",
        defaults={"is_staff": True},
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def client(user=None):
    """Django's test client as production's TLS proxy forwards requests (X-Forwarded-Proto:
    https; `production_env` trusts it): the production settings redirect plain http."""
    from django.test import Client

    c = Client(headers={"host": "localhost", "x-forwarded-proto": "https"})
    if user is not None:
        c.force_login(user)
    return c


# --- The machine -----------------------------------------------------------------------------


def load_average() -> tuple[float, float, float]:
    """The 1-, 5- and 15-minute load averages, as `uptime` prints them."""
    one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
    return float(one), float(five), float(fifteen)


def uptime() -> str:
    # In UTC like every other time a bench prints (Django sets TZ to the clinic's zone).
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TZ": "UTC"}
    return subprocess.run(["uptime"], capture_output=True, text=True, env=env).stdout.strip()


def machine() -> dict:
    import django

    info = {
        "date": datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "uptime": uptime(),
    }
    try:
        from django.db import connection

        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SHOW server_version")
                info["postgresql"] = cursor.fetchone()[0].split()[0]
            else:
                cursor.execute("SELECT sqlite_version()")
                info["sqlite"] = cursor.fetchone()[0]
    except Exception:  # noqa: BLE001, S110 - versions are decoration, never a failure
        pass
    return info


def child_pids(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            pids.append(int(entry.name))
    return sorted(pids)


def cpu_seconds(pids: Iterable[int]) -> float:
    """utime + stime of the processes (a process that is gone counts 0)."""
    total = 0.0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total


def cpu_seconds_exact(pid: int) -> float:
    """A process's time on the CPU to the nanosecond (/proc/<pid>/schedstat), else
    cpu_seconds(). utime + stime move in clock ticks (10 ms): over 20 runs of a 5 ms query that
    is a step of 0.5 ms a run, enough to swing a ratio of two small figures by a tenth."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return cpu_seconds([pid])


def postgres_backends(database: str) -> list[int]:
    """The server processes serving connections to `database` (their CPU is the database's
    share of a request)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        parts = cmdline.split()
        if cmdline.startswith("postgres:") and database in parts and "postgres:" in parts[0]:
            pids.append(int(entry.name))
    return pids


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# --- gunicorn --------------------------------------------------------------------------------


def collectstatic(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=REPO,
        env=env,
        check=True,
    )


def http_get(url: str, headers: dict[str, str] | None = None, timeout: float = 10):
    """(status, headers, body) of one GET, without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def gunicorn_start(
    env: dict[str, str],
    *,
    log_path: Path,
    probe: str = "/robots.txt",
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.Popen:
    """`gunicorn clinic.wsgi --config gunicorn.conf.py` with `env`, on env's HOST:PORT; returns
    once the probe answers and every worker is up."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("w")
    process = subprocess.Popen(
        [str(gunicorn), "clinic.wsgi", "--config", "gunicorn.conf.py"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://{env['HOST']}:{env['PORT']}{probe}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited at start; see {log_path}")
        try:
            status, _, _ = http_get(url, headers=headers, timeout=2)
            if status < 500 and len(child_pids(process.pid)) >= int(env["WEB_CONCURRENCY"]):
                return process
        except OSError:
            pass
        time.sleep(0.3)
    process_stop(process)
    raise SystemExit(f"gunicorn did not answer within {timeout:.0f} s; see {log_path}")


def process_stop(process: subprocess.Popen, grace: float = 40) -> None:
    """SIGTERM (gunicorn: graceful stop of its workers), SIGKILL after `grace` seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- Timing in process -----------------------------------------------------------------------


@dataclass
class Timing:
    name: str
    wall_ms: float  # median
    cpu_ms: float  # median CPU time of this process (Python: Django, the driver)
    queries: int  # in one run
    runs: int
    db_cpu_ms: float | None = None  # mean CPU of the PostgreSQL backend per run, when known
    detail: str = ""
    # Big tables the plans of its queries read whole (seq_scans()), when asked.
    seq_scans: list[str] | None = None
    sql: list[tuple[str, object]] = field(default_factory=list, repr=False)

    def row(self) -> dict:
        data = asdict(self)
        data.pop("sql")
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in data.items()}


def _backend_pid() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def measure(name: str, fn: Callable[[], object], *, repeat: int, warmup: int = 1) -> Timing:
    """Median wall and CPU time of `fn()` over `repeat` runs after `warmup` runs, the queries of
    one run (with their SQL, for EXPLAIN) and, on PostgreSQL, the backend's mean CPU a run.

    The queries are counted with a wrapper, not CaptureQueriesContext: a test-client request
    resets the latter's log when it starts.
    """
    from django.db import connection

    for _ in range(warmup):
        fn()
    sql: list[tuple[str, object]] = []

    def record(execute, query, params, many, context):
        sql.append((query, params))
        return execute(query, params, many, context)

    with connection.execute_wrapper(record):
        detail = fn()
    wall, cpu = [], []
    pid = _backend_pid()
    db_before = cpu_seconds_exact(pid) if pid else 0.0
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    db_cpu = None
    if pid and _backend_pid() == pid:
        db_cpu = (cpu_seconds_exact(pid) - db_before) * 1000 / repeat
    return Timing(
        name=name,
        wall_ms=statistics.median(wall),
        cpu_ms=statistics.median(cpu),
        queries=len(sql),
        runs=repeat,
        db_cpu_ms=db_cpu,
        detail=detail if isinstance(detail, str) else "",
        sql=sql,
    )


def profile(fn: Callable[[], object], repeat: int, lines: int = 30) -> None:
    """cProfile of `repeat` calls after one: the functions by own time, then by cumulative."""
    import cProfile
    import pstats

    fn()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        fn()
    profiler.disable()
    # BENCH_PROFILE_DUMP=path keeps the whole profile, to read with pstats afterwards.
    if dump := os.environ.get("BENCH_PROFILE_DUMP"):
        profiler.dump_stats(dump)
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("tottime").print_stats(lines)
    stats.sort_stats("cumulative").print_stats(lines)


def ok_get(c, path: str, status: int = 200) -> Callable[[], str]:
    """A timed GET that must answer `status`; its detail is the response's size."""

    def get() -> str:
        response = c.get(path)
        assert response.status_code == status, (path, response.status_code)
        return f"{len(response.content):,} bytes"

    return get


def seq_scans(sql: list[tuple[str, object]], min_rows: int = 5000) -> list[str]:
    """Tables of at least `min_rows` rows that PostgreSQL's plans read with a sequential scan:
    the queries that will grow with the data."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    found: set[str] = set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples >= %s", [min_rows]
        )
        big = {row[0] for row in cursor.fetchall()}
        for query, params in sql:
            if not query.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute("EXPLAIN (FORMAT JSON) " + query, params)
            stack = [cursor.fetchone()[0][0]["Plan"]]
            while stack:
                node = stack.pop()
                if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in big:
                    found.add(node["Relation Name"])
                stack.extend(node.get("Plans", []))
    return sorted(found)


# --- Data ------------------------------------------------------------------------------------


def next_id(model) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def insert_rows(model, rows: Iterable[dict]) -> int:
    """Insert plain rows fast: COPY on PostgreSQL, one executemany elsewhere.

    Each row gives attribute names (`patient_id`, not `patient`) and usually its `id`; every
    other column takes the model's default, computed once, except callable defaults of unique
    fields (references), computed per row. auto_now fields are taken as given or now. No
    save(), no signals, no history rows: bench data only. Returns the number of rows.
    """
    from django.db import connection

    meta = model._meta
    fields = list(meta.concrete_fields)
    example = model()
    template: dict[str, object] = {}
    per_row: dict[str, Callable[[], object]] = {}
    for f in fields:
        if f.primary_key:
            template[f.attname] = None
        elif f.unique and f.has_default() and callable(f.default):
            per_row[f.attname] = f.default
        else:
            template[f.attname] = f.get_db_prep_save(f.pre_save(example, True), connection)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    postgres = connection.vendor == "postgresql"

    def values(row: dict) -> list:
        out = []
        for f in fields:
            name = f.attname
            if name in row or name in per_row:
                value = row[name] if name in row else per_row[name]()
                if f.primary_key and value is None:
                    raise ValueError("insert_rows needs an id in every row")
                # psycopg adapts plain Python values itself; SQLite wants Django's forms.
                out.append(value if postgres else f.get_db_prep_save(value, connection))
            elif f.primary_key:
                raise ValueError("insert_rows needs an id in every row")
            else:
                out.append(template[name])
        return out

    count = 0
    with connection.cursor() as cursor:
        if postgres:
            with cursor.cursor.copy(f"COPY {meta.db_table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(values(row))
                    count += 1
        else:
            marks = ", ".join(["%s"] * len(fields))
            batch = [values(row) for row in rows]
            cursor.executemany(f"INSERT INTO {meta.db_table} ({columns}) VALUES ({marks})", batch)
            count = len(batch)
    sequences_reset(model)
    return count


def sequences_reset(*models) -> None:
    """After rows were inserted with explicit ids, the next ids continue after them."""
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(statement)


def booking_data_wipe() -> None:
    """Remove visits, patients, practitioners and what hangs off them (the ledger, care plans,
    the waitlist, history rows); keep types, the clinic profile, articles and staff logins.
    Bench databases only."""
    from django.apps import apps
    from django.db import connection

    from booking.models import Appointment, OutboundMessage, Patient, Practitioner

    models = [Appointment, OutboundMessage, Patient, Practitioner]
    # simple-history's tables have no foreign keys to cascade through.
    history = [m for m in apps.get_models() if m.__name__.startswith("Historical")]
    history = [m for m in history if m._meta.app_label in ("booking", "care")]
    if connection.vendor == "postgresql":
        tables = ", ".join(m._meta.db_table for m in models + history)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    else:
        from care.models import CarePlan

        for model in (CarePlan, OutboundMessage, Appointment, Patient, Practitioner, *history):
            model.objects.all().delete()


@dataclass
class Clinic:
    """What `clinic_generate` made, and the days a bench asks about."""

    types: list
    practitioners: list
    first_day: date
    last_day: date
    patients: int = 0
    visits: int = 0
    per_practitioner_day: float = 0.0
    seconds: float = 0.0

    @property
    def measured_type(self):
        return self.types[0]


PAST_STATUSES = ["completed"] * 80 + ["no_show"] * 5 + ["cancelled"] * 10 + ["confirmed"] * 5
SOURCES = ["online"] * 60 + ["phone"] * 30 + ["admin"] * 10


def clinic_generate(
    *,
    practitioners: int,
    patients: int,
    visits: int,
    first_day: date,
    last_day: date,
    weekdays: Iterable[int] = range(5),
    day_start: clock_time = clock_time(9),
    day_end: clock_time = clock_time(17),
    visit_minutes: int = 30,
    spacing_minutes: int = 60,
    types: int = 5,
    type_practitioners: int | None = None,
    reminders: bool = True,
    prefix: str = "bench",
    seed: int = 15,
    future_cancelled: float = 0.05,
    deadline: float | None = None,
) -> Clinic:
    """A clinic with history: `practitioners` working `weekdays` from `day_start` to
    `day_end`, `types` consultation types of `visit_minutes` (the first is the measured one:
    public, a grid of `visit_minutes`, offered by the first `type_practitioners`, by default
    all), `patients` patients and `visits` visits spread evenly over the practitioners' working
    days from `first_day` to `last_day`, `spacing_minutes` apart from `day_start`.

    Past visits: 80 % completed, 5 % no-show, 10 % cancelled, 5 % confirmed; future ones
    confirmed (`future_cancelled` of them cancelled). Sources 60 % online, 30 % phone, 10 %
    staff; booked 0-60 days ahead (never in the future); a reminder row per visit (5 % failed).
    Rows go in by COPY on PostgreSQL: 200,000 visits and their reminders take about 90 s on
    the shared 2-core machine, mostly the server maintaining indexes and the overlap guard.
    `deadline` (time.monotonic()) stops a run that would take too long.
    """
    from booking.models import (
        Appointment,
        ConsultationType,
        OutboundMessage,
        Patient,
        Practitioner,
        WorkingHours,
    )
    from booking.scheduling.clock import clinic_zone

    started = time.monotonic()
    rng = random.Random(seed)  # noqa: S311 - bench data
    tz = clinic_zone()
    weekdays = sorted(set(weekdays))
    made_types = [
        ConsultationType.objects.update_or_create(
            slug=f"{prefix}-{i}",
            defaults={
                "name": f"Bench type {i}",
                "description": "Bench consultation type.",
                "duration_minutes": visit_minutes,
                "slot_granularity_minutes": visit_minutes if i == 0 else None,
                "min_notice_minutes": 0 if i == 0 else None,
                "horizon_days": 120 if i == 0 else None,
                "display_order": 100 + i,
            },
        )[0]
        for i in range(types)
    ]
    first_pk = next_id(Practitioner)
    people = Practitioner.objects.bulk_create(
        Practitioner(pk=first_pk + i, display_name=f"Dr. Bench {i:02d}")
        for i in range(practitioners)
    )
    sequences_reset(Practitioner)
    WorkingHours.objects.bulk_create(
        WorkingHours(practitioner=p, weekday=d, start_time=day_start, end_time=day_end)
        for p in people
        for d in weekdays
    )
    offered = type_practitioners if type_practitioners is not None else practitioners
    through = Practitioner.consultation_types.through
    through.objects.bulk_create(
        through(practitioner_id=p.pk, consultationtype_id=t.pk)
        for n, p in enumerate(people)
        for i, t in enumerate(made_types)
        if i > 0 or n < offered
    )
    patient_first = next_id(Patient)
    now = datetime.now(tz=UTC)
    insert_rows(
        Patient,
        (
            {
                "id": patient_first + i,
                "full_name": f"Bench Patient {i}",
                "email": f"p{i}@bench.example",
                "created_at": now,
            }
            for i in range(patients)
        ),
    )
    days = [
        first_day + timedelta(days=d)
        for d in range((last_day - first_day).days + 1)
        if (first_day + timedelta(days=d)).weekday() in weekdays
    ]
    per_day_room = max(
        1,
        (datetime.combine(date.min, day_end) - datetime.combine(date.min, day_start)).seconds
        // 60
        // spacing_minutes,
    )
    places = len(days) * practitioners
    per_day = min(per_day_room, math.ceil(visits / places)) if places else 0
    total_slots = places * per_day
    visits = min(visits, total_slots)
    # Evenly spread: visit j takes slot floor(j * total / visits), so every day and every
    # practitioner gets per_day or per_day - 1 visits (no empty weeks at either end).
    stride = max(1, per_day_room // max(per_day, 1))
    appointment_first = next_id(Appointment)
    duration = timedelta(minutes=visit_minutes)
    type_ids = [t.pk for t in made_types]
    reminder_rows: list[tuple[int, int, datetime, str]] = []

    def visit_rows():
        for j in range(visits):
            if deadline is not None and j % 10_000 == 0 and time.monotonic() > deadline:
                raise SystemExit(f"data generation over its time budget after {j:,} visits")
            slot = j * total_slots // visits
            day_index, rest = divmod(slot, practitioners * per_day)
            practitioner_index, position = divmod(rest, per_day)
            day = days[day_index]
            start = datetime.combine(day, day_start, tzinfo=tz) + timedelta(
                minutes=spacing_minutes * position * stride
            )
            past = start < now
            status = (
                rng.choice(PAST_STATUSES)
                if past
                else ("cancelled" if rng.random() < future_cancelled else "confirmed")
            )
            choices = type_ids if practitioner_index < offered else type_ids[1:] or type_ids
            pk = appointment_first + j
            patient_id = patient_first + rng.randrange(patients)
            created = min(start - timedelta(days=pk % 61), now)
            if reminders:
                reminder_rows.append((pk, patient_id, start, "past" if past else "future"))
            yield {
                "id": pk,
                "reference": f"{prefix}{pk:027d}"[-32:],
                "short_reference": f"{pk:08d}"[-12:],
                "consultation_type_id": rng.choice(choices),
                "practitioner_id": people[practitioner_index].pk,
                "patient_id": patient_id,
                "start": start,
                "end": start + duration,
                "occupied_start": start,
                "occupied_end": start + duration,
                "status": status,
                "source": rng.choice(SOURCES),
                "contact_name": "Bench Patient",
                "contact_email": "visit@bench.example",
                "cancelled_at": start - timedelta(hours=rng.randint(1, 72))
                if status == "cancelled"
                else None,
                "created_at": created,
                "updated_at": created,
            }

    insert_rows(Appointment, visit_rows())
    if reminders:
        message_first = next_id(OutboundMessage)
        insert_rows(
            OutboundMessage,
            (
                {
                    "id": message_first + n,
                    "appointment_id": pk,
                    "patient_id": patient_id,
                    "kind": OutboundMessage.Kind.REMINDER,
                    "scheduled_for": start - timedelta(hours=24),
                    "status": (
                        rng.choice(["sent"] * 19 + ["failed"]) if when == "past" else "pending"
                    ),
                    "created_at": now,
                    "updated_at": now,
                }
                for n, (pk, patient_id, start, when) in enumerate(reminder_rows)
            ),
        )
    analyze()
    return Clinic(
        types=made_types,
        practitioners=people,
        first_day=first_day,
        last_day=last_day,
        patients=patients,
        visits=visits,
        per_practitioner_day=visits / places if places else 0.0,
        seconds=time.monotonic() - started,
    )


def half_booked(consultation_type, *, first_day: date, days: int) -> int:
    """Book about half of the time of every practitioner offering `consultation_type` for
    `days` days from `first_day`, like the peer's workload (every other slot): walking each
    day's free slots, a slot is taken when a visit's length of free time separates it from the
    last one taken. Plain rows for one bench patient. Returns the number of visits."""
    from booking.models import Appointment, Patient
    from booking.scheduling.selectors import available_slots

    patient = Patient.objects.create(full_name="Bench Patient", email="half@bench.example")
    slots = available_slots(
        consultation_type=consultation_type,
        first_day=first_day,
        last_day=first_day + timedelta(days=days - 1),
        enforce_notice_and_horizon=False,
    )
    duration = consultation_type.duration
    rows, last_end = [], {}
    for day in sorted(slots):
        for slot in sorted(slots[day], key=lambda s: (s.practitioner_id, s.start)):
            previous = last_end.get(slot.practitioner_id)
            if previous is not None and slot.start < previous + duration:
                continue
            last_end[slot.practitioner_id] = slot.end
            rows.append(slot)
    first = next_id(Appointment)
    now = datetime.now(tz=UTC)
    insert_rows(
        Appointment,
        (
            {
                "id": first + n,
                "consultation_type_id": consultation_type.pk,
                "practitioner_id": slot.practitioner_id,
                "patient_id": patient.pk,
                "start": slot.start,
                "end": slot.end,
                "occupied_start": slot.start,
                "occupied_end": slot.end,
                "contact_name": patient.full_name,
                "contact_email": patient.email,
                "created_at": now,
                "updated_at": now,
            }
            for n, slot in enumerate(rows)
        ),
    )
    return len(rows)


FOLLOW_UPS = [42, 91, 182, 270, 365]


def care_generate(patients: int, *, seed: int = 1) -> dict:
    """Care plans for `patients` new patients (two treatments), a baseline and five follow-up
    time points each, all due, 80 % of the follow-ups answered on the pain instrument."""
    from django.utils import timezone

    from booking.models import Patient, Practitioner
    from care.models import CarePlan, Instrument, PlanTemplate, Response, TimePoint

    pain = Instrument.objects.get(slug="pain-now")
    clinician = Practitioner.objects.first() or Practitioner.objects.create(display_name="Bench")
    templates = [PlanTemplate.objects.get_or_create(name=n)[0] for n in ("Knee PRP", "Hip PRP")]
    rng = random.Random(seed)  # noqa: S311 - bench data
    now = timezone.now()
    people = Patient.objects.bulk_create(
        (Patient(full_name=f"Care Bench {i}") for i in range(patients)), batch_size=2000
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
    analyze()
    return {"patients": patients, "time_points": len(points), "answers": len(answers)}


# --- Reporting -------------------------------------------------------------------------------


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"
