"""Load and soak proof: capacity of each endpoint alone, then a fixed mixed-load soak.

Loopback only, bounded in time and in requests, stops by itself. By default it seeds the target
database, collects static files, starts gunicorn on 127.0.0.1 with the production settings
(DEBUG off, JSON logs, manifest static files) and stops it at the end.

    # PostgreSQL + Redis, as in production (the numbers in docs/performance.md):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_prod REDIS_URL=redis://127.0.0.1:6379/7 \
        .venv/bin/python bench/load.py --phase both --step-seconds 10 --soak-minutes 10

    # A 20-second smoke run against whatever exists (home page, /healthz):
    .venv/bin/python bench/load.py --phase both --endpoints home,healthz \
        --step-seconds 5 --max-steps 3 --soak-seconds 20

Phase (a), capacity: each endpoint alone, at an offered (open-loop) rate stepped up
geometrically, then bisected; the answer is the highest rate with p95 < 200 ms and no errors.
Latency is measured from the moment a request was *due*, not when a connection was free, so a
saturated server shows up as latency instead of silently lowering the offered rate.

Phase (b), soak: a fixed mix (reading, searching, availability, booking) for N minutes: per
endpoint p50/p95/p99, errors, double bookings found in the database afterwards, and the RSS of the
gunicorn workers sampled every minute.

The booking step is the one piece that depends on the booking form's exact fields: it lives in
`booking_step()` below, small on purpose, for whoever adapts it to the merged journey.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import queue
import random
import re
import secrets
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import benchlib

REPO = benchlib.REPO
sys.path.insert(0, str(REPO))

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
P95_LIMIT_MS = 200.0
# Hard ceilings whatever the flags say: the tool must stop by itself.
MAX_TOTAL_SECONDS = 3 * 3600
MAX_RATE = 5000


# --- HTTP client ----------------------------------------------------------------------------


class Client:
    """One keep-alive connection with a cookie jar: what one browser tab does."""

    def __init__(self, host: str, port: int, timeout: float = 10.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.conn

    def request(
        self, method: str, path: str, body: dict | None = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        all_headers = {"Host": f"{self.host}:{self.port}", "User-Agent": "clinic-bench/1"}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        payload = None
        if body is not None:
            payload = urllib.parse.urlencode(body, doseq=True).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        all_headers.update(headers or {})
        for attempt in (1, 2):
            try:
                conn = self._connection()
                conn.request(method, path, body=payload, headers=all_headers)
                response = conn.getresponse()
                data = response.read()
                for header, value in response.getheaders():
                    if header.lower() == "set-cookie":
                        name, _, rest = value.partition("=")
                        self.cookies[name.strip()] = rest.split(";", 1)[0]
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, data
            except (http.client.HTTPException, ConnectionError, OSError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def get(self, path: str) -> tuple[int, bytes]:
        return self.request("GET", path)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# --- Scenario data and endpoints --------------------------------------------------------------


@dataclass
class Context:
    """What the endpoints need to know about the seeded data."""

    type_slug: str = ""
    practitioner_id: int = 0
    day: date = field(default_factory=lambda: datetime.now(tz=UTC).date())
    article_slugs: list[str] = field(default_factory=list)
    article_slugs_es: list[str] = field(default_factory=list)


# An endpoint call returns (ok, label); ok=False counts as an error.
EndpointFn = Callable[[Client, Context], bool]


def _ok_get(client: Client, path: str) -> bool:
    status, _ = client.get(path)
    return 200 <= status < 400


def endpoint_home(client: Client, ctx: Context) -> bool:
    return _ok_get(client, "/")


def endpoint_healthz(client: Client, ctx: Context) -> bool:
    return _ok_get(client, "/healthz")


def endpoint_home_es(client: Client, ctx: Context) -> bool:
    return _ok_get(client, "/es/")


def endpoint_article(client: Client, ctx: Context) -> bool:
    return _ok_get(client, f"/learn/{random.choice(ctx.article_slugs)}/")


def endpoint_article_es(client: Client, ctx: Context) -> bool:
    return _ok_get(client, f"/es/learn/{random.choice(ctx.article_slugs_es)}/")


def endpoint_search(client: Client, ctx: Context) -> bool:
    return _ok_get(client, "/learn/search/?q=knee")


def endpoint_availability_day(client: Client, ctx: Context) -> bool:
    return _ok_get(
        client,
        f"/api/availability?type={ctx.type_slug}&start={ctx.day.isoformat()}&days=1"
        f"&practitioner={ctx.practitioner_id}",
    )


def endpoint_availability_14(client: Client, ctx: Context) -> bool:
    return _ok_get(
        client, f"/api/availability?type={ctx.type_slug}&start={ctx.day.isoformat()}&days=14"
    )


def endpoint_booking_page(client: Client, ctx: Context) -> bool:
    return _ok_get(client, f"/book/{ctx.type_slug}/")


def endpoint_booking_page_es(client: Client, ctx: Context) -> bool:
    return _ok_get(client, f"/es/book/{ctx.type_slug}/")


_CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def _slots_from(data: bytes) -> list[dict]:
    """The availability API's slots, whatever the exact nesting: every dict with a `start`."""
    found: list[dict] = []

    def walk(node):
        if isinstance(node, dict):
            if "start" in node and isinstance(node["start"], str):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(data))
    return found


def booking_step(client: Client, ctx: Context, *, prefix: str = "") -> bool:
    """One patient booking, as the journey does it: a free slot from the availability API, the
    details page (for the CSRF token), then the confirm POST with a unique patient.

    A refused slot (taken a moment ago by another simulated patient: the review page again with
    alternatives, status 409) is the system working, not an error; only a 5xx, another 4xx or a
    transport failure counts.
    """
    # A random stretch of the booking horizon, so thousands of slots are on offer and a step
    # measures booking rather than a calendar that filled up in its first seconds.
    day = ctx.day + timedelta(days=random.randrange(0, 50))
    status, data = client.get(
        f"/api/availability?type={ctx.type_slug}&start={day.isoformat()}&days=3"
    )
    if status != 200:
        return False
    slots = _slots_from(data)
    if not slots:
        return True  # fully booked: nothing to post
    slot = random.choice(slots)
    practitioner = str(slot.get("practitioner", "any"))
    query = urllib.parse.urlencode({"start": slot["start"], "practitioner": practitioner})
    details_path = f"{prefix}/book/{ctx.type_slug}/details/?{query}"
    status, page = client.get(details_path)
    if status == 400:
        return True  # taken between the API call and this page
    if status != 200:
        return False
    match = _CSRF_INPUT.search(page)
    token = match.group(1).decode() if match else client.cookies.get("csrftoken", "")
    who = secrets.token_hex(6)
    form = {
        "csrfmiddlewaretoken": token,
        "start": slot["start"],
        "practitioner": practitioner,
        "full_name": f"Bench Patient {who}",
        "email": f"bench-{who}@example.com",
        "phone": "+14135550199",
        "joints": "knee",
        "reminders": "on",
        "privacy": "on",
        "submission_key": secrets.token_urlsafe(24),
    }
    confirm_path = f"{prefix}/book/{ctx.type_slug}/confirm/"
    status, _ = client.request(
        "POST", confirm_path, body=form, headers={"Referer": f"http://{client.host}{details_path}"}
    )
    # 302 to the confirmation page, or 409: "that time has just been taken" with alternatives.
    return status in (302, 303, 409)


def booking_step_es(client: Client, ctx: Context) -> bool:
    """The same booking on the Spanish pages (the patient's language is then Spanish)."""
    return booking_step(client, ctx, prefix="/es")


ENDPOINTS: dict[str, EndpointFn] = {
    "home": endpoint_home,
    "home_es": endpoint_home_es,
    "healthz": endpoint_healthz,
    "article": endpoint_article,
    "article_es": endpoint_article_es,
    "search": endpoint_search,
    "availability_day": endpoint_availability_day,
    "availability_14": endpoint_availability_14,
    "booking_page": endpoint_booking_page,
    "booking_page_es": endpoint_booking_page_es,
    "booking": booking_step,
    "booking_es": booking_step_es,
}
# `booking` is one whole patient booking (3 requests: availability, form, POST); `booking_page`
# is the form page alone, the request comparable to a "booking page" figure.
CAPACITY_DEFAULT = ["article", "availability_day", "availability_14", "booking_page", "booking"]
# Patients mostly read; a few check times; fewer book; about a quarter read Spanish.
SOAK_MIX_DEFAULT = (
    "article:35,article_es:12,home:4,home_es:2,search:10,availability_day:10,"
    "availability_14:10,booking_page:6,booking_page_es:3,booking:6,booking_es:2"
)


# --- Open-loop load generator ---------------------------------------------------------------


@dataclass
class Result:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    dropped: int = 0
    sent: int = 0
    elapsed: float = 0.0

    def add(self, name: str, latency_ms: float, ok: bool, detail: str = "") -> None:
        self.latencies.setdefault(name, []).append(latency_ms)
        if not ok:
            self.errors[name] = self.errors.get(name, 0) + 1
            if len(self.error_samples) < 5 and detail:
                self.error_samples.append(f"{name}: {detail}")

    @property
    def total_errors(self) -> int:
        return sum(self.errors.values()) + self.dropped

    def all_latencies(self) -> list[float]:
        return [v for values in self.latencies.values() for v in values]


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def run_load(
    *,
    host: str,
    port: int,
    ctx: Context,
    mix: list[tuple[str, float]],
    rate: float,
    seconds: float,
    connections: int,
    on_tick: Callable[[float], None] | None = None,
) -> Result:
    """Offer `rate` requests/s for `seconds`, spread over `connections` keep-alive clients."""
    rate = min(rate, MAX_RATE)
    total = max(1, int(rate * seconds))
    names = [name for name, _ in mix]
    weights = [weight for _, weight in mix]
    work: queue.Queue = queue.Queue()
    result = Result()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds + 5  # a late request after this is dropped

    def worker() -> None:
        client = Client(host, port)
        while True:
            item = work.get()
            if item is None:
                client.close()
                return
            due, name = item
            if time.monotonic() > stop_at:
                with lock:
                    result.dropped += 1
                continue
            detail = ""
            try:
                ok = ENDPOINTS[name](client, ctx)
            except Exception as exc:  # noqa: BLE001 - any failure is an error to count
                ok, detail = False, f"{type(exc).__name__}: {exc}"
            latency = (time.monotonic() - due) * 1000
            with lock:
                result.add(name, latency, ok, detail or ("" if ok else "bad status"))

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    start = time.monotonic()
    next_tick = start + 60
    for i in range(total):
        due = start + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        work.put((due, random.choices(names, weights)[0]))
        result.sent += 1
        if on_tick and time.monotonic() >= next_tick:
            on_tick(time.monotonic() - start)
            next_tick += 60
    for _ in threads:
        work.put(None)
    for thread in threads:
        thread.join(timeout=max(1.0, stop_at - time.monotonic() + 10))
    result.elapsed = time.monotonic() - start
    return result


def summarise(result: Result) -> dict:
    rows = {}
    for name, values in sorted(result.latencies.items()):
        rows[name] = {
            "requests": len(values),
            "errors": result.errors.get(name, 0),
            "p50_ms": round(percentile(values, 50), 1),
            "p95_ms": round(percentile(values, 95), 1),
            "p99_ms": round(percentile(values, 99), 1),
            "max_ms": round(max(values), 1),
        }
    done = len(result.all_latencies())
    return {
        "endpoints": rows,
        "sent": result.sent,
        "completed": done,
        "dropped": result.dropped,
        "errors": result.total_errors,
        "achieved_rps": round(done / result.elapsed, 1) if result.elapsed else 0,
        "error_samples": result.error_samples,
    }


# --- Target: gunicorn, seeding, database checks ---------------------------------------------


def bench_env(args: argparse.Namespace) -> dict[str, str]:
    """The production settings (bench/benchlib.py), over plain http on loopback (this tool's
    Python client speaks no TLS), without worker recycling (which would hide a leak from the
    memory samples)."""
    return benchlib.production_env(
        port=args.port,
        workers=args.workers,
        behind_proxy=False,
        extra={
            "GUNICORN_THREADS": str(args.threads),
            "GUNICORN_ACCESS_LOG": "" if not args.access_log else "-",
            # Every simulated patient comes from 127.0.0.1: the per-client booking limit would
            # answer 429 after ten; the bench measures the booking path, not the limiter.
            "BOOKING_RATE_LIMIT": "100000000",
            # Booking emails are enqueued (the broker is part of the path) but not sent.
            "EMAIL_OUTBOX_DIR": str(REPO / "var" / "bench" / "outbox"),
        },
    )


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def seed(args: argparse.Namespace) -> Context:
    """Migrate and load the demo data into the target database; pick the scenario's ids."""
    from django.apps import apps
    from django.core.management import call_command

    from booking.models import ConsultationType, Practitioner

    if args.seed:
        call_command("migrate", "--noinput", verbosity=0)
        call_command("seed_demo", verbosity=0)
    ctx = Context()
    consultation_type = (
        ConsultationType.objects.active()
        .filter(requires_approval=False, practitioners__active=True)
        .order_by("duration_minutes", "pk")
        .first()
    )
    if consultation_type is not None:
        ctx.type_slug = consultation_type.slug
        practitioner = (
            Practitioner.objects.filter(active=True, consultation_types=consultation_type)
            .order_by("pk")
            .first()
        )
        ctx.practitioner_id = practitioner.pk if practitioner else 0
    # A weekday a week ahead: inside every notice and horizon rule, with working hours.
    day = datetime.now(tz=UTC).date() + timedelta(days=7)
    while day.weekday() > 3:  # Monday-Thursday: every demo practitioner works
        day += timedelta(days=1)
    ctx.day = day
    try:
        article_model = apps.get_model("education", "Article")
        manager = article_model.objects
        queryset = manager.published() if hasattr(manager, "published") else manager.all()
        english = queryset.filter(language="en")
        ctx.article_slugs = list(english.values_list("slug", flat=True)[:50])
        spanish = queryset.filter(language="es")
        ctx.article_slugs_es = list(spanish.values_list("slug", flat=True)[:50])
    except LookupError:
        ctx.article_slugs = []
    return ctx


def double_bookings() -> int:
    """Non-cancelled appointments whose occupied time overlaps another of the same practitioner."""
    from django.db.models import Exists, OuterRef

    from booking.models import Appointment

    live = Appointment.objects.exclude(status=Appointment.Status.CANCELLED)
    overlapping = live.filter(
        practitioner=OuterRef("practitioner"),
        occupied_start__lt=OuterRef("occupied_end"),
        occupied_end__gt=OuterRef("occupied_start"),
    ).exclude(pk=OuterRef("pk"))
    return live.filter(Exists(overlapping)).count()


def bench_bookings_clear() -> int:
    """Free the slots earlier bench bookings took, so a booking step measures booking, not an
    empty calendar (a few seconds at 200/s fill every slot of the next two weeks)."""
    from booking.models import Appointment, Patient

    bench = Appointment.objects.filter(contact_email__startswith="bench-")
    deleted, _ = bench.delete()
    Patient.objects.filter(email__startswith="bench-", appointments__isnull=True).delete()
    return deleted


def appointment_count() -> int:
    from booking.models import Appointment

    return Appointment.objects.count()


def start_gunicorn(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:
    return benchlib.gunicorn_start(env, log_path=log_path)


worker_pids = benchlib.child_pids
rss_mb = benchlib.rss_mb


# --- Phases ---------------------------------------------------------------------------------


def passes(summary: dict) -> bool:
    rows = summary["endpoints"].values()
    return summary["errors"] == 0 and all(row["p95_ms"] < P95_LIMIT_MS for row in rows)


def capacity(args: argparse.Namespace, ctx: Context, names: list[str]) -> dict:
    report = {}
    for name in names:
        print(f"\n== capacity: {name} alone ==", flush=True)
        if args.warmup_seconds:
            # Unmeasured: workers import lazily and compile templates on their first requests.
            run_load(
                host="127.0.0.1",
                port=args.port,
                ctx=ctx,
                mix=[(name, 1.0)],
                rate=max(1.0, args.start_rate / 2),
                seconds=args.warmup_seconds,
                connections=args.connections,
            )
        best, best_summary, first_fail = 0.0, None, None
        rate, steps = float(args.start_rate), []
        for _ in range(args.max_steps):
            if name == "booking":
                bench_bookings_clear()
            booked_before = appointment_count()
            summary = run_load(
                host="127.0.0.1",
                port=args.port,
                ctx=ctx,
                mix=[(name, 1.0)],
                rate=rate,
                seconds=args.step_seconds,
                connections=args.connections,
            )
            summary = summarise(summary)
            summary["appointments_created"] = appointment_count() - booked_before
            ok = passes(summary)
            row = summary["endpoints"].get(name, {})
            print(
                f"  offered {rate:7.1f}/s  achieved {summary['achieved_rps']:7.1f}/s  "
                f"p95 {row.get('p95_ms', math.nan):7.1f} ms  errors {summary['errors']}  "
                f"booked {summary['appointments_created']}  {'PASS' if ok else 'FAIL'}",
                flush=True,
            )
            steps.append({"offered_rps": rate, "pass": ok, **summary})
            if ok:
                best, best_summary = rate, summary
                if first_fail is None:
                    rate = min(rate * args.growth, MAX_RATE)
                    if rate >= MAX_RATE:
                        break
                    continue
            else:
                first_fail = rate if first_fail is None else min(first_fail, rate)
            if first_fail is not None:
                # Bisect between the best pass and the first failure, to within 10 %.
                if best and first_fail / best <= 1.1:
                    break
                rate = (best + first_fail) / 2 if best else first_fail / 2
                if rate < 1:
                    break
        report[name] = {
            "max_rps_p95_under_200ms": best,
            "at_best": best_summary,
            "steps": steps,
        }
        print(f"  -> {name}: {best:.0f} requests/s with p95 < 200 ms and no errors", flush=True)
    return report


def soak(args: argparse.Namespace, ctx: Context, mix: list[tuple[str, float]], master: int | None):
    seconds = args.soak_seconds or args.soak_minutes * 60
    print(f"\n== soak: {seconds:.0f} s at {args.soak_rate}/s, mix {mix} ==", flush=True)
    samples: list[dict] = []

    def sample(at: float) -> None:
        if master is None:
            return
        pids = worker_pids(master)
        total = round(sum(rss_mb(pid) for pid in pids), 1)
        samples.append({"t_s": round(at), "workers": len(pids), "rss_mb": total})
        print(f"  t={at:5.0f}s  workers {len(pids)}  RSS {total} MB", flush=True)

    sample(0)
    before = appointment_count()
    raw = run_load(
        host="127.0.0.1",
        port=args.port,
        ctx=ctx,
        mix=mix,
        rate=args.soak_rate,
        seconds=seconds,
        connections=args.connections,
        on_tick=sample,
    )
    sample(raw.elapsed)
    summary = summarise(raw)
    summary["double_bookings"] = double_bookings()
    summary["appointments_created"] = appointment_count() - before
    summary["rss_samples"] = samples
    # Flat memory: from the minute-2 sample (after warm-up) to the last.
    later = [s for s in samples if s["t_s"] >= 120] or samples[1:] or samples
    if later:
        growth = later[-1]["rss_mb"] - later[0]["rss_mb"]
        summary["rss_growth_mb_after_warmup"] = round(growth, 1)
        summary["rss_growth_pct_after_warmup"] = round(100 * growth / later[0]["rss_mb"], 1)
        # Flat: within allocator noise (a few MB over a few hundred MB of workers).
        summary["memory_flat"] = growth <= max(args.rss_tolerance_mb, 0.05 * later[0]["rss_mb"])
    for name, row in summary["endpoints"].items():
        print(
            f"  {name:18} n={row['requests']:6}  p50 {row['p50_ms']:7.1f}  "
            f"p95 {row['p95_ms']:7.1f}  p99 {row['p99_ms']:7.1f} ms  errors {row['errors']}"
        )
    print(
        f"  errors {summary['errors']}  double bookings {summary['double_bookings']}  "
        f"appointments created {summary['appointments_created']}  "
        f"RSS growth after warm-up {summary.get('rss_growth_mb_after_warmup')} MB "
        f"(flat: {summary.get('memory_flat')})",
        flush=True,
    )
    return summary


def parse_mix(text: str) -> list[tuple[str, float]]:
    mix = []
    for part in text.split(","):
        name, _, weight = part.partition(":")
        if name.strip() not in ENDPOINTS:
            raise SystemExit(f"unknown endpoint {name!r}; known: {', '.join(ENDPOINTS)}")
        mix.append((name.strip(), float(weight or 1)))
    return mix


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="Target an already running server (loopback only).")
    parser.add_argument("--master-pid", type=int, help="gunicorn master, for RSS with --url.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--phase", choices=["capacity", "soak", "both"], default="both")
    parser.add_argument("--endpoints", help="Capacity endpoints, comma-separated.")
    parser.add_argument("--start-rate", type=float, default=50)
    parser.add_argument("--growth", type=float, default=1.5)
    parser.add_argument("--step-seconds", type=float, default=10)
    parser.add_argument("--max-steps", type=int, default=12)
    parser.add_argument("--warmup-seconds", type=float, default=3)
    parser.add_argument("--soak-minutes", type=float, default=10)
    parser.add_argument("--soak-seconds", type=float, help="Overrides --soak-minutes.")
    parser.add_argument("--soak-rate", type=float, default=100)
    parser.add_argument("--mix", help=f"Soak mix, name:weight,... (default {SOAK_MIX_DEFAULT})")
    parser.add_argument("--rss-tolerance-mb", type=float, default=8)
    parser.add_argument("--no-seed", dest="seed", action="store_false")
    parser.add_argument("--access-log", action="store_true", help="Keep gunicorn's access log.")
    parser.add_argument("--report", type=Path, help="JSON report path (default var/bench/).")
    args = parser.parse_args(argv)

    if args.url:
        target = urllib.parse.urlsplit(args.url)
        if target.hostname not in LOOPBACK_HOSTS:
            raise SystemExit("bench/load.py only targets loopback addresses.")
        args.port = target.port or 80
    capacity_names = (args.endpoints or ",".join(CAPACITY_DEFAULT)).split(",")
    if args.endpoints and not args.mix:
        args.mix = ",".join(capacity_names)
    mix = parse_mix(args.mix or SOAK_MIX_DEFAULT)
    planned = (
        len(capacity_names) * args.max_steps * args.step_seconds if args.phase != "soak" else 0
    ) + ((args.soak_seconds or args.soak_minutes * 60) if args.phase != "capacity" else 0)
    if planned > MAX_TOTAL_SECONDS:
        raise SystemExit(f"planned {planned:.0f} s exceeds the {MAX_TOTAL_SECONDS} s ceiling")

    env = bench_env(args)
    (REPO / "var" / "bench").mkdir(parents=True, exist_ok=True)
    django_setup(env)
    from django.conf import settings

    ctx = seed(args)
    missing = {
        "article": not ctx.article_slugs,
        "article_es": not ctx.article_slugs_es,
        "availability_day": not ctx.practitioner_id,
        "availability_14": not ctx.type_slug,
        "booking": not ctx.type_slug,
        "booking_page": not ctx.type_slug,
        "booking_page_es": not ctx.type_slug,
        "booking_es": not ctx.type_slug,
    }
    for name in list(capacity_names):
        if missing.get(name):
            print(f"skipping {name}: no seeded data for it", flush=True)
            capacity_names.remove(name)
    mix = [(name, weight) for name, weight in mix if not missing.get(name)]

    process, master = None, args.master_pid
    started = datetime.now(tz=UTC)
    if not args.url:
        benchlib.collectstatic(env)
        process = start_gunicorn(env, args.port, REPO / "var" / "bench" / "gunicorn.log")
        master = process.pid
    report = {
        "started": started.isoformat(),
        "database": settings.DATABASES["default"]["ENGINE"],
        "redis": bool(settings.REDIS_URL),
        "workers": args.workers,
        "threads": args.threads,
        "connections": args.connections,
        "cpu_count": os.cpu_count(),
        "context": {
            "type": ctx.type_slug,
            "practitioner": ctx.practitioner_id,
            "day": ctx.day.isoformat(),
        },
    }
    try:
        if args.phase in ("capacity", "both"):
            report["capacity"] = capacity(args, ctx, capacity_names)
        if args.phase in ("soak", "both") and mix:
            report["soak"] = soak(args, ctx, mix, master)
    finally:
        if process is not None:
            benchlib.process_stop(process)
    path = args.report or REPO / "var" / "bench" / f"load-{started:%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nreport: {path}")
    soak_report = report.get("soak", {})
    failed = soak_report.get("errors", 0) or soak_report.get("double_bookings", 0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
