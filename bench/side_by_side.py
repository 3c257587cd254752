"""Side by side with the peer (django-appointment 3.12): requests/s under gunicorn and wrk, in one
run, interleaved, with the machine's load average recorded for every run.

    bash ../shared/peers/django-appointment/run_all.sh 1       # once: the peer's venv and seeded DB
    .venv/bin/python bench/side_by_side.py                      # ours on SQLite only
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic_perf \
        BENCH_REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python bench/side_by_side.py [--rounds 2] [--duration 10] [--warmup 3]

Three servers on loopback, each gunicorn with 2 sync workers:
- the peer, served by its harness's own code (`load/drive.py` of the harness: a fresh copy of its
  seeded SQLite template, DEBUG off, Django's CONN_MAX_AGE 0, its loggers at WARNING);
- ours on SQLite: a scratch VAR_DIR, `migrate` + `seed_demo`, then about half of the follow-up
  type's time booked for the next 30 days (the peer's workload books half its slots);
- ours on PostgreSQL + Redis (when BENCH_DATABASE_URL and BENCH_REDIS_URL are set; the database
  is WIPED and the Redis db flushed), the same data.
Ours run with the production settings of docs/deploy.md (DEBUG off, the start-up checks,
whitenoise's manifest storage, HSTS, secure cookies, TLS redirect) behind a pretend TLS proxy:
wrk sends `X-Forwarded-Proto: https` and the server trusts it (TRUST_X_FORWARDED_PROTO), as in
production. No access log and no worker recycling, like the peer's server.

wrk (Debian's 4.1), 1 thread, 16 connections, closed loop: per URL a `--warmup` run, then a
`--duration` run, for each pair the peer's URL and ours (SQLite, then PostgreSQL) one after the
other, the order reversed every other round. For each run: requests/s, latency, non-2xx
responses, server CPU per request (gunicorn master and workers; on PostgreSQL also the
database's backends, separately) and the 1-minute load average before and after.

Output: a Markdown table (median requests/s over the rounds; ratio = ours / the peer in the
same round, median; CPU ratio = the peer's server CPU per request over ours, gunicorn plus its
database backends: the ratio an otherwise idle machine would show, both being CPU-bound, and
the steadier figure when the machine is busy) and a JSON report in var/bench/. The Spanish
pages (/es/...) are added as pairs of their own when the server answers them. Bounded:
--max-minutes (default 40) is checked before starting, and every run is bounded by wrk's
duration.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import benchlib

PEER_HARNESS_CANDIDATES = [
    os.environ.get("PEER_HARNESS_DIR", ""),
    str(benchlib.REPO.parent / "shared" / "peers" / "django-appointment"),
    "/work/shared/peers/django-appointment",
]
FORWARDED = "X-Forwarded-Proto: https"
# (label, the peer's endpoint, our target, target ratio from issue 18)
PAIRS = [
    ("availability, 1 practitioner, 1 day", "slots", "availability", 3.0),
    ("first page with times (ours: time picker)", "page", "picker", 1.5),
    ("consultation list /book/", "page", "list", 4.0),
    ("article page", "page", "article", 4.0),
    ("topic page", "page", "topic", 4.0),
    ("home page", "page", "home", 4.0),
]
SPANISH = {"picker", "list", "article", "topic", "home"}


# --- Preparing our database (a child process per database: one Django setup each) ----------


def prepare() -> dict:
    """Runs in a child process with the server's environment: fresh schema, demo data, half the
    follow-up type's time booked for 30 days; prints what the URLs need."""
    from django.core.cache import cache
    from django.utils import timezone

    from booking.models import ConsultationType, Practitioner
    from education.models import Article, Topic

    benchlib.database_reset()
    cache.clear()  # the bench's own Redis db (or file cache)
    benchlib.demo_seed()
    today = timezone.localdate()
    ctype = ConsultationType.objects.filter(slug="follow-up").first() or (
        ConsultationType.objects.public()
        .filter(active=True, requires_approval=False)
        .order_by("display_order", "pk")
        .first()
    )
    booked = benchlib.half_booked(ctype, first_day=today, days=30)
    benchlib.analyze()
    practitioner = Practitioner.objects.filter(consultation_types=ctype).order_by("pk").first()
    day = today + timedelta(days=7)
    while day.weekday() > 3:  # Monday to Thursday: every demo practitioner works
        day += timedelta(days=1)
    articles = Article.objects.published()
    languages = {f.name for f in Article._meta.get_fields()}
    english = articles.filter(language="en") if "language" in languages else articles
    spanish = articles.filter(language="es") if "language" in languages else articles
    first = english.order_by("pk").first()
    topic = Topic.objects.filter(pk=first.topic_id).first() if first else Topic.objects.first()
    es_article = spanish.order_by("pk").first()
    return {
        "type": ctype.slug,
        "practitioner": practitioner.pk,
        "day": day.isoformat(),
        "article": first.slug if first else "",
        "article_es": es_article.slug if es_article else "",
        "topic": topic.slug if topic else "",
        "booked_for_peer_workload": booked,
    }


def our_paths(scenario: dict) -> dict[str, str]:
    s = scenario
    paths = {
        "availability": f"/api/availability?type={s['type']}&start={s['day']}&days=1"
        f"&practitioner={s['practitioner']}",
        "picker": f"/book/{s['type']}/",
        "list": "/book/",
        "article": f"/learn/{s['article']}/",
        "topic": f"/learn/topics/{s['topic']}/",
        "home": "/",
    }
    for name in SPANISH:
        path = paths[name]
        if name == "article":
            path = f"/learn/{s['article_es']}/" if s["article_es"] else ""
        if path:
            paths[f"{name}_es"] = "/es" + path
    return paths


# --- Servers ---------------------------------------------------------------------------------


def load_peer_driver(harness: Path, port: int):
    """The peer harness's own load driver (starts its gunicorn, runs wrk), imported as is."""
    os.environ["PORT"] = str(port)  # drive.py reads its port at import
    spec = importlib.util.spec_from_file_location("peer_drive", harness / "load" / "drive.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Ours:
    """One of our servers: its environment, its prepared data, its gunicorn."""

    def __init__(self, name: str, env: dict[str, str], log: Path):
        self.name, self.env, self.log = name, env, log
        self.process: subprocess.Popen | None = None
        self.scenario: dict = {}
        self.database = ""
        if "DATABASE_URL" in env:
            self.database = env["DATABASE_URL"].rsplit("/", 1)[-1].split("?")[0]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.env['PORT']}"

    def prepare(self, static: bool) -> None:
        command = [sys.executable, __file__, "--prepare"] + ([] if static else ["--no-static"])
        done = subprocess.run(
            command, env=self.env, cwd=benchlib.REPO, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"preparing {self.name} failed:\n{done.stdout}\n{done.stderr}")
        self.scenario = json.loads(done.stdout.strip().splitlines()[-1])

    def start(self) -> None:
        self.process = benchlib.gunicorn_start(
            self.env, log_path=self.log, headers={"X-Forwarded-Proto": "https"}
        )

    def pids(self) -> list[int]:
        return [self.process.pid, *benchlib.child_pids(self.process.pid)]

    def db_pids(self) -> list[int]:
        return benchlib.postgres_backends(self.database) if self.database else []

    def stop(self) -> None:
        if self.process is not None:
            benchlib.process_stop(self.process)


def check_ours(server: Ours, paths: dict[str, str]) -> dict[str, dict]:
    """Each URL answers 200 (not a redirect) before it is loaded; a Spanish URL that does not
    (Spanish not merged yet) is left out."""
    checks = {}
    for name, path in paths.items():
        status, headers, body = benchlib.http_get(
            server.base + path, headers={"X-Forwarded-Proto": "https"}
        )
        info = {"status": status, "bytes": len(body)}
        if name == "availability" and status == 200:
            info["slots"] = sum(len(d["slots"]) for d in json.loads(body)["days"])
        checks[name] = info
        if status != 200 and not name.endswith("_es"):
            raise SystemExit(f"{server.name}: {path} answered {status}, not 200")
    return checks


# --- Runs ------------------------------------------------------------------------------------


def one_run(drive, url: str, header: str | None, pids, db_pids, args) -> dict:
    """One warm-up and one measured wrk run; `db_pids()` lists the database's backends."""
    drive.run_wrk(url, args.connections, args.warmup, header, pids)  # warm-up, not kept
    load_before = benchlib.load_average()[0]
    db_before = {pid: benchlib.cpu_seconds([pid]) for pid in db_pids()}
    result = drive.run_wrk(url, args.connections, args.duration, header, pids)
    # A connection older than CONN_MAX_AGE is replaced during a run: a new backend counts from
    # 0, one that ended counts until the last look before the run (a slight undercount).
    db_cpu = sum(
        max(0.0, benchlib.cpu_seconds([pid]) - db_before.get(pid, 0.0)) for pid in db_pids()
    )
    result.pop("wrk_text", None)
    result["load_before"] = load_before
    result["load_after"] = benchlib.load_average()[0]
    result["db_cpu_per_req_ms"] = (
        1000 * db_cpu / max(1, result["requests"]) if db_before or db_cpu else None
    )
    result["url"] = url
    return result


def summarise(runs: list[dict], pairs: list[tuple], sides: list[str]) -> dict:
    summary = {}
    for label, _, _, target in pairs:
        rows = [r for r in runs if r["pair"] == label]
        entry = {"target": target, "sides": {}}
        for side in sides:
            mine = [r for r in rows if r["side"] == side]
            if not mine:
                continue
            entry["sides"][side] = {
                "rps": statistics.median(r["rps"] for r in mine),
                "rps_runs": [round(r["rps"], 1) for r in mine],
                "cpu_ms_per_req": statistics.median(r["server_cpu_per_req_ms"] for r in mine),
                "db_cpu_ms_per_req": (
                    statistics.median(r["db_cpu_per_req_ms"] for r in mine)
                    if mine[0]["db_cpu_per_req_ms"] is not None
                    else None
                ),
                "p50_ms": statistics.median(r["lat_p50_us"] / 1000 for r in mine),
                "p99_ms": statistics.median(r["lat_p99_us"] / 1000 for r in mine),
                "errors": sum(r["errors"] for r in mine),
                "load": [min(r["load_before"] for r in mine), max(r["load_after"] for r in mine)],
            }
            if side != "peer":
                ratios = []
                for r in mine:
                    peer = next(p for p in rows if p["side"] == "peer" and p["round"] == r["round"])
                    ratios.append(r["rps"] / peer["rps"])
                entry["sides"][side]["ratio"] = statistics.median(ratios)
                # On a busy machine, the steadier estimate of the same ratio: throughput of a
                # CPU-bound server is cores / CPU per request (ours: gunicorn + its database).
                mine_cpu = entry["sides"][side]["cpu_ms_per_req"] + (
                    entry["sides"][side]["db_cpu_ms_per_req"] or 0
                )
                entry["sides"][side]["cpu_ratio"] = (
                    entry["sides"]["peer"]["cpu_ms_per_req"] / mine_cpu if mine_cpu else None
                )
        summary[label] = entry
    return summary


def markdown(summary: dict, sides: list[str]) -> str:
    names = {"sqlite": "ours, SQLite", "postgres": "ours, PostgreSQL + Redis"}
    header = ["pair", "peer req/s"]
    for side in sides[1:]:
        header += [f"{names[side]} req/s", "ratio"]
    header += ["target", "CPU ms/req: peer / " + " / ".join(names[s] for s in sides[1:])]
    header += ["CPU ratio " + " / ".join(names[s].removeprefix("ours, ") for s in sides[1:])]
    header += ["load avg (1 min)"]
    rows = []
    for label, entry in summary.items():
        s = entry["sides"]
        row = [label, f"{s['peer']['rps']:.0f}"]
        for side in sides[1:]:
            if side in s:
                met = "" if s[side]["ratio"] >= entry["target"] else " (not met)"
                row += [f"{s[side]['rps']:.0f}", f"**{s[side]['ratio']:.2f}x**{met}"]
            else:
                row += ["-", "-"]
        row.append(f">= {entry['target']:g}x")
        cpu = [benchlib.ms(s["peer"]["cpu_ms_per_req"])]
        for side in sides[1:]:
            if side in s:
                db = s[side]["db_cpu_ms_per_req"]
                cpu.append(
                    benchlib.ms(s[side]["cpu_ms_per_req"])
                    + (f" + db {benchlib.ms(db)}" if db is not None else "")
                )
        row.append(" / ".join(cpu))
        row.append(" / ".join(f"{s[side]['cpu_ratio']:.2f}x" for side in sides[1:] if side in s))
        loads = [v for side in s.values() for v in side["load"]]
        row.append(f"{min(loads):.1f}-{max(loads):.1f}")
        rows.append(row)
    return benchlib.markdown_table(header, rows)


def check_plan(args, pairs: list, sides: list[str]) -> None:
    planned = args.rounds * len(pairs) * len(sides) * (args.warmup + args.duration + 1)
    if planned / 60 > args.max_minutes:
        raise SystemExit(
            f"{planned / 60:.0f} minutes of runs planned, over --max-minutes {args.max_minutes:g}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up before each")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", help="pairs by our target name, e.g. availability,picker")
    parser.add_argument("--no-spanish", action="store_true")
    parser.add_argument("--max-minutes", type=float, default=40)
    parser.add_argument("--peer-harness", help="the peer harness folder (default: ../shared/...)")
    parser.add_argument("--port", type=int, default=8781, help="first of three ports")
    parser.add_argument("--report", help="JSON path (default var/bench/side-by-side-<time>.json)")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-static", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.prepare:  # the child process: set up one database, print its scenario
        benchlib.django_start(dict(os.environ), static=not args.no_static)
        print(json.dumps(prepare()))
        return 0

    harness = next(
        (
            Path(p)
            for p in [args.peer_harness or "", *PEER_HARNESS_CANDIDATES]
            if p and (Path(p) / "load" / "drive.py").exists()
        ),
        None,
    )
    if harness is None:
        raise SystemExit("the peer harness (load/drive.py) was not found: --peer-harness DIR")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    drive = load_peer_driver(harness, args.port)
    if not drive.TEMPLATE.exists():
        raise SystemExit(f"the peer is not installed: bash {harness}/run_all.sh 1")
    if not (drive.VENV / "bin" / "gunicorn").exists():
        # What the harness's load/run_load.sh does before its first run.
        print("installing gunicorn 27.0.1 into the peer's venv (as load/run_load.sh does)")
        subprocess.run(
            [str(drive.VENV / "bin" / "pip"), "install", "-q", "gunicorn==27.0.1"], check=True
        )

    database_url = benchlib.scratch_postgres_url(required=False)
    redis_url = os.environ.get("BENCH_REDIS_URL", "")
    sides = ["peer", "sqlite"] + (["postgres"] if database_url and redis_url else [])
    pairs = [p for p in PAIRS if not args.only or p[2] in args.only.split(",")]
    check_plan(args, pairs, sides)

    stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%S")
    logs = benchlib.BENCH_VAR / f"side-by-side-{stamp}"
    ours: dict[str, Ours] = {
        "sqlite": Ours(
            "ours, SQLite",
            benchlib.production_env(
                var_dir=benchlib.scratch_var_dir("side-sqlite"),
                database_url="",
                redis_url="",
                port=args.port + 1,
                workers=args.workers,
            ),
            logs / "gunicorn-sqlite.log",
        )
    }
    if "postgres" in sides:
        ours["postgres"] = Ours(
            "ours, PostgreSQL + Redis",
            benchlib.production_env(
                var_dir=benchlib.scratch_var_dir("side-pg"),
                database_url=database_url,
                redis_url=redis_url,
                port=args.port + 2,
                workers=args.workers,
            ),
            logs / "gunicorn-postgres.log",
        )
    print(f"preparing {', '.join(ours)} (migrate, seed_demo, half booked) ...", flush=True)
    for n, server in enumerate(ours.values()):
        server.prepare(static=n == 0)

    peer_db = f"side-by-side-{stamp}.sqlite3"
    drive.DATA.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(drive.TEMPLATE, drive.DATA / peer_db)
    logs.mkdir(parents=True, exist_ok=True)
    peer_log = (logs / "gunicorn-peer.log").open("w")
    peer_process = None
    runs: list[dict] = []
    report: dict = {}
    try:
        peer_process = drive.start_server(args.workers, peer_db, peer_log)
        peer_pids = [peer_process.pid, *drive.children_of(peer_process.pid)]
        peer_day = drive.pick_date()
        peer_paths = {
            "slots": f"/appointment/ajax/available_slots/?selected_date={peer_day}"
            "&staff_member=1&service_id=1",
            "page": "/appointment/request/1/",
        }
        status, _, body = drive.http_get(peer_paths["slots"], ajax=True)
        peer_check = {"slots": len(json.loads(body).get("available_slots", [])), "status": status}
        if status != 200 or not peer_check["slots"]:
            raise SystemExit(f"the peer's slots endpoint answered {status}: {body[:200]!r}")
        for server in ours.values():
            server.start()
        paths = our_paths(ours["sqlite"].scenario)
        if args.no_spanish:
            paths = {k: v for k, v in paths.items() if not k.endswith("_es")}
        checks = {name: check_ours(server, paths) for name, server in ours.items()}
        spanish = [
            k
            for k in paths
            if k.endswith("_es") and all(c[k]["status"] == 200 for c in checks.values())
        ]
        pairs = pairs + [
            (f"{label} (Spanish, /es/)", peer, f"{name}_es", target)
            for label, peer, name, target in pairs
            if f"{name}_es" in spanish
        ]
        check_plan(args, pairs, sides)
        report = {
            "machine": benchlib.machine(),
            "args": {k: v for k, v in vars(args).items() if k not in ("prepare", "no_static")},
            "peer": {"harness": str(harness), "paths": peer_paths, "check": peer_check},
            "ours": {
                name: {"scenario": s.scenario, "paths": paths, "check": checks[name]}
                for name, s in ours.items()
            },
            "spanish_pairs": spanish,
        }
        print(report["machine"]["uptime"], flush=True)
        print(f"peer check {peer_check}; ours {checks}", flush=True)
        for round_no in range(args.rounds):
            for label, peer_target, our_target, _ in pairs:
                order = sides if round_no % 2 == 0 else list(reversed(sides))
                for side in order:
                    if side == "peer":
                        url = f"http://127.0.0.1:{args.port}{peer_paths[peer_target]}"
                        header = drive.AJAX if peer_target == "slots" else None
                        result = one_run(drive, url, header, peer_pids, list, args)
                    else:
                        server = ours[side]
                        url = server.base + paths[our_target]
                        result = one_run(drive, url, FORWARDED, server.pids(), server.db_pids, args)
                    result.update({"pair": label, "side": side, "round": round_no + 1})
                    runs.append(result)
                    print(
                        f"round {round_no + 1} {label[:44]:<44} {side:<8} {result['rps']:7.1f} "
                        f"req/s  p99 {result['lat_p99_us'] / 1000:6.1f} ms  errors "
                        f"{result['errors']}  CPU {result['server_cpu_per_req_ms']:.2f} ms/req  "
                        f"load {result['load_before']:.1f}",
                        flush=True,
                    )
    finally:
        for server in ours.values():
            server.stop()
        if peer_process is not None:
            drive.stop_server(peer_process)
        peer_log.close()
        (drive.DATA / peer_db).unlink(missing_ok=True)
    summary = summarise(runs, pairs, sides)
    report.update({"uptime_end": benchlib.uptime(), "summary": summary, "runs": runs})
    table = markdown(summary, sides)
    print("\n" + table)
    print(f"\n{report['machine']['date']}; {report['machine']['uptime']} -> {report['uptime_end']}")
    path = Path(args.report) if args.report else benchlib.BENCH_VAR / f"side-by-side-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    (path.with_suffix(".md")).write_text(table + "\n")
    print(f"report: {path}")
    errors = sum(r["errors"] for r in runs)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
