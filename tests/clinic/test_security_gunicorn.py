import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings as django_settings

REPO = Path(django_settings.BASE_DIR)
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _wait_until_up(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited early"
        try:
            _get(url)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start within 30 s")


@pytest.fixture
def gunicorn_server(tmp_path):
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "clinic.settings",
        "VAR_DIR": str(tmp_path / "var"),
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_GRACEFUL_TIMEOUT": "5",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(GUNICORN), "clinic.wsgi", "--config", "gunicorn.conf.py"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/robots.txt", process)
        yield f"http://127.0.0.1:{port}", process, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_gunicorn_access_log_hides_manage_tokens_and_query_strings(gunicorn_server):
    base, process, log = gunicorn_server
    token = "SECRETTOKEN123abc"

    _get(f"{base}/book/manage/{token}/calendar.ics")
    _get(f"{base}/robots.txt?q=knee+pain")
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)

    output = log.read_text()
    assert token not in output
    assert "knee" not in output
    access = [json.loads(line) for line in output.splitlines() if '"gunicorn.access"' in line]
    paths = {entry["path"] for entry in access}
    assert "/book/manage/[redacted]/calendar.ics" in paths
    assert "/robots.txt" in paths


def test_gunicorn_shuts_down_gracefully_on_sigterm(gunicorn_server):
    base, process, log = gunicorn_server
    assert _get(f"{base}/robots.txt") == 200

    process.send_signal(signal.SIGTERM)

    assert process.wait(timeout=30) == 0
    assert "Shutting down: Master" in log.read_text()
