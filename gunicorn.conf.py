"""gunicorn settings, all overridable from the environment (docs/deploy.md lists them).

gunicorn clinic.wsgi            # reads this file from the working directory
"""

import json
import multiprocessing
import os
import re
from datetime import UTC, datetime

from gunicorn.glogging import Logger

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"

# Sync workers by default (2 x cores + 1, gunicorn's rule of thumb for CPU-bound Django);
# GUNICORN_THREADS > 1 switches to gthread, which holds more slow clients per worker.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"

# A worker stuck longer than this is killed and replaced; slower than any page should ever be.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM (a deploy, a scale-down) workers finish their requests for up to this long.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then, so a slow leak cannot grow forever; jitter keeps them from all
# restarting at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))

# Heartbeat files in memory, not on a possibly slow container disk.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# Only the proxy may tell gunicorn the client's scheme and address (X-Forwarded-*).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Both logs to stdout/stderr: the platform collects them.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Manage links carry a bearer token in the path: never write it to a log.
_TOKEN_IN_PATH = re.compile(r"(/book/manage/)[^/?#\s]+")


def redact_path(path: str) -> str:
    return _TOKEN_IN_PATH.sub(r"\1[redacted]", path or "")


class RedactingAccessLogger(Logger):
    """One JSON line per request, without query strings (searches and links can hold health or
    identity details), without headers or cookies, and with manage tokens cut out of paths."""

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        referer = environ.get("HTTP_REFERER", "")
        line = {
            "time": datetime.now(tz=UTC).isoformat(),
            "logger": "gunicorn.access",
            "remote": environ.get("REMOTE_ADDR", "-"),
            "method": environ.get("REQUEST_METHOD"),
            "path": redact_path(environ.get("PATH_INFO", "")),
            "status": int(status),
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "referer": redact_path(referer.split("?", 1)[0]) if referer else None,
            "agent": environ.get("HTTP_USER_AGENT", "")[:200],
        }
        try:
            self.access_log.info(json.dumps(line))
        except Exception:  # noqa: BLE001 - a log line must never fail a request
            self.exception("access log line failed")


logger_class = RedactingAccessLogger
