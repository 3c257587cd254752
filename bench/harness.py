"""What the pipeline benchmarks share: the environment, a local SMTP server and a local server
answering like Twilio's Messages endpoint that count what arrives, and Celery subprocesses.

Used by bench/reminders.py and bench/waitlist.py (`from bench.harness import ...`, with the
project root on sys.path). Everything listens on 127.0.0.1 only, on a free port.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parent.parent
LEDGER_ID = re.compile(rb"^X-Clinic-Message: (\d+)\r?$", re.MULTILINE)


def bench_environment(*, prefix: str) -> Path:
    """Settings for a bench run, before Django starts: a fresh VAR_DIR (SQLite unless
    BENCH_DATABASE_URL names a scratch PostgreSQL database), its own Celery queue on Redis."""
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL (e.g. redis://127.0.0.1:6379/3): the benchmark runs on Redis.")
    var_dir = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "VAR_DIR": str(var_dir),
            "CELERY_QUEUE": f"bench-{uuid.uuid4().hex[:8]}",
            "LOG_LEVEL": "WARNING",
        }
    )
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    else:
        os.environ.pop("DATABASE_URL", None)
    return var_dir


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpCounter:
    """aiosmtpd handler: every arrival as (ledger id, time), repeats included.

    A regex for the X-Clinic-Message header, not the email parser: this server shares the CPU
    with the worker under test.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrivals: list[tuple[int, float]] = []

    async def handle_DATA(self, server, session, envelope):
        match = LEDGER_ID.search(envelope.content)
        with self.lock:
            self.arrivals.append((int(match.group(1)), time.time()))
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.arrivals)

    def since(self, position: int) -> list[tuple[int, float]]:
        with self.lock:
            return self.arrivals[position:]

    def first_arrivals(self) -> dict[int, float]:
        """When each ledger id first arrived."""
        first: dict[int, float] = {}
        with self.lock:
            for ledger_id, at in self.arrivals:
                first.setdefault(ledger_id, at)
        return first


def smtp_start(counter: SmtpCounter):
    """A local SMTP server feeding `counter`; points EMAIL_HOST/EMAIL_PORT (and so the worker
    subprocesses, which inherit the environment) at it. Call .stop() on what it returns."""
    from aiosmtpd.controller import Controller

    port = free_port()
    smtp = Controller(counter, hostname="127.0.0.1", port=port)
    smtp.start()
    os.environ.update({"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)})
    return smtp


TWILIO_SID = "AC" + "b" * 32
TWILIO_TOKEN = "bench-token"  # noqa: S105 - the fake server's own credential


class TwilioCounter:
    """Every text the fake Twilio accepted: (To, time, the posted form), repeats included."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrivals: list[tuple[str, float, dict[str, str]]] = []
        self.sids = itertools.count(1)

    def count(self) -> int:
        with self.lock:
            return len(self.arrivals)

    def since(self, position: int) -> list[tuple[str, float, dict[str, str]]]:
        with self.lock:
            return self.arrivals[position:]


def twilio_start(counter: TwilioCounter):
    """A local HTTP server answering POST /2010-04-01/Accounts/<sid>/Messages.json like Twilio
    (201 and a message resource with a fresh MessageSid), and the settings that send the
    worker's texts there through the real `twilio` library. Call .shutdown() on what it returns.
    """

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the library's requests session expects
        # Headers and body go out as two writes: with Nagle on, the body would wait for the
        # client's delayed ACK (about 40 ms a text on loopback), which Twilio does not do.
        disable_nagle_algorithm = True

        def do_POST(self):  # noqa: N802 - http.server's name
            length = int(self.headers["Content-Length"])
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            sid = f"SM{next(counter.sids):032x}"
            form["_sid"] = sid
            with counter.lock:
                counter.arrivals.append((form.get("To", ""), time.time(), form))
            body = json.dumps(
                {
                    "sid": sid,
                    "account_sid": TWILIO_SID,
                    "to": form.get("To"),
                    "from": form.get("From"),
                    "body": form.get("Body"),
                    "status": "queued",
                    "num_segments": "1",
                }
            ).encode()
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    os.environ.update(
        {
            "SMS_BACKEND": "booking.messaging.sms.backends.TwilioBackend",
            "TWILIO_ACCOUNT_SID": TWILIO_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "TWILIO_FROM_NUMBER": "+14135550100",
            "TWILIO_MESSAGING_SERVICE_SID": "",
            "TWILIO_API_BASE_URL": f"http://127.0.0.1:{server.server_address[1]}",
        }
    )
    return server


def django_migrate() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def start_celery(cmd: list[str], log: Path, processes: list, env: dict | None = None):
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("celery")), "-A", "clinic", *cmd],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    processes.append(process)
    return process


def start_worker(
    var_dir: Path, processes: list, *, pool: str, concurrency: int, env: dict | None = None
) -> None:
    """A `celery worker` subprocess on the bench's queue; returns once it says it is ready."""
    log = var_dir / f"worker-{len(processes)}.log"
    process = start_celery(
        ["worker", f"--pool={pool}", f"--concurrency={concurrency}", "-l", "INFO"]
        + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
        log,
        processes,
        env,
    )
    deadline = time.monotonic() + 60
    while b" ready." not in log.read_bytes():
        if time.monotonic() > deadline or process.poll() is not None:
            sys.exit("worker did not start:\n" + log.read_text()[-2000:])
        time.sleep(0.2)


def cpu_seconds(pid: int, *, children: bool = True) -> float:
    """User + system CPU time of a process (all its threads) and, with `children`, of its
    children (a prefork worker's pool), from /proc (Linux): a cost that does not depend on how
    busy the rest of the machine is."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            kids = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:  # ended meanwhile
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        if children:
            pending.extend(int(child) for child in kids)
    return total


def stop_all(processes: list, *, timeout: float = 20) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=timeout)


def pool_label(pool: str, concurrency: int) -> str:
    if pool == "solo":
        return "solo pool, one process"
    return f"{pool} pool, concurrency {concurrency}"
