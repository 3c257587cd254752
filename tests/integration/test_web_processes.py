"""Two web processes on one database: what one changes, the other answers at once.

Two real gunicorn servers (one sync worker each, as in production: connections kept between
requests, on SQLite too, and the clinic profile's per-process copy) serve this test's database
(committed data: transaction=True) with the shared cache of the settings (Redis with REDIS_URL,
else the file cache). A booking made through one removes the time from the other's
availability and time picker on the very next request, the same time booked through the other
is refused (the database has the last word), a cancellation written by a third process through
QuerySet.update() frees it in both at once (each process's memo of the slot computation is keyed
by the rows it reads), a change of the clinic profile made by a third process shows in both, and
so does an article's edit on the pages both serve from the shared page cache (clinic/pagecache.py).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from booking.models import Appointment, ClinicClosure, ClinicProfile, WorkingHours
from education.models import Article
from tests.factories import ArticleFactory, ConsultationTypeFactory, PractitionerFactory
from tests.integration.test_email_pipeline import database_url, free_port

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

REPO = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
QUEUE = "test-web-processes"


class Server:
    """One gunicorn with one sync worker, on a port of its own, against the test database."""

    def __init__(self, log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "DATABASE_URL": database_url(),
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "WEB_CONCURRENCY": "1",
            "GUNICORN_MAX_REQUESTS": "0",
            "GUNICORN_ACCESS_LOG": "",
            "GUNICORN_GRACEFUL_TIMEOUT": "5",
            "BOOKING_RATE_LIMIT": "1000",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            # The booking's emails wait on a queue of their own, which nothing consumes.
            "CELERY_QUEUE": QUEUE,
        }
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [GUNICORN, "clinic.wsgi", "--config", "gunicorn.conf.py"],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                self.get("/healthz")
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("gunicorn did not start:\n" + self.log.read_text()[-3000:])

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post(self, path: str, fields: dict) -> tuple[int, str]:
        data = urllib.parse.urlencode(fields, doseq=True).encode()
        request = urllib.request.Request(self.base + path, data=data, method="POST")
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def servers(tmp_path):
    pair = [Server(tmp_path / "a.log"), Server(tmp_path / "b.log")]
    try:
        for server in pair:
            server.wait_until_up()
        yield pair
    finally:
        for server in pair:
            server.stop()
        if settings.REDIS_URL:
            import redis

            redis.Redis.from_url(settings.REDIS_URL).delete(QUEUE)


@pytest.fixture
def clinic():
    # The clinic's grid (the profile's granularity), not one of the type's own.
    ctype = ConsultationTypeFactory(
        slug="initial", duration_minutes=30, horizon_days=60, slot_granularity_minutes=None
    )
    practitioner = PractitionerFactory(consultation_types=[ctype])
    day = timezone.localdate() + timedelta(days=7)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return ctype, practitioner, day


def free_starts(server: Server, ctype, practitioner, day) -> list[str]:
    status, body = server.get(
        f"/api/availability?type={ctype.slug}&start={day}&days=1&practitioner={practitioner.pk}"
    )
    assert status == 200, body
    return [slot["start"] for slot in json.loads(body)["days"][0]["slots"]]


def picker_offers(server: Server, ctype, practitioner, day, start: str) -> bool:
    status, body = server.get(
        f"/book/{ctype.slug}/?date={day}&practitioner={practitioner.pk}&month={day:%Y-%m}"
    )
    assert status == 200, body
    return urllib.parse.urlencode({"start": start}) in body


def book(
    server: Server, ctype, practitioner, start: str, email: str, *, form_for: str = ""
) -> tuple[int, str]:
    """The patient's last two steps: the details page of `form_for` (default: `start`) for its
    CSRF cookie and token and the form's submission key, then the confirm POST for `start`."""
    slot = {"start": start, "practitioner": str(practitioner.pk)}
    page_slot = {**slot, "start": form_for or start}
    status, page = server.get(f"/book/{ctype.slug}/details/?{urllib.parse.urlencode(page_slot)}")
    assert status == 200, page
    hidden = dict(re.findall(r'name="(csrfmiddlewaretoken|submission_key)" value="([^"]+)"', page))
    return server.post(
        f"/book/{ctype.slug}/confirm/",
        {
            **slot,
            **hidden,
            "full_name": "Ada Two-Servers",
            "email": email,
            "phone": "(413) 555-0199",
            "date_of_birth": "1960-04-02",
            "joints": ["knee"],
            "note": "",
            "reminders": "on",
            "privacy": "on",
            "website": "",
        },
    )


def test_a_booking_through_one_process_removes_the_time_from_the_other_at_once(servers, clinic):
    a, b = servers
    ctype, practitioner, day = clinic
    # Both warm: their kept connections, their copies of the profile, their first answers.
    offered = free_starts(a, ctype, practitioner, day)
    assert offered == free_starts(b, ctype, practitioner, day)
    chosen = offered[3]
    assert picker_offers(b, ctype, practitioner, day, chosen)

    status, _ = book(a, ctype, practitioner, chosen, "ada@example.com")

    assert status == 200  # the redirect to the confirmation page, followed
    assert chosen not in free_starts(b, ctype, practitioner, day)
    assert not picker_offers(b, ctype, practitioner, day, chosen)
    assert chosen not in free_starts(a, ctype, practitioner, day)
    # A form filled in before the time went (its details page no longer offers it): the
    # booking's own transaction reads the database and refuses the time.
    status, page = book(b, ctype, practitioner, chosen, "grace@example.com", form_for=offered[5])
    assert status == 409, page
    assert Appointment.objects.filter(practitioner=practitioner).count() == 1


def test_each_process_memo_follows_every_write_at_once(servers, clinic):
    """Each process keeps its last slot computations (booking/scheduling/memo.py), keyed by the
    rows it reads: asked twice (the second answer from the memo), then changed by a booking
    through the other process and by a third process's QuerySet.update(), never stale."""
    a, b = servers
    ctype, practitioner, day = clinic
    offered = free_starts(b, ctype, practitioner, day)
    chosen = offered[2]
    for _ in range(2):
        assert free_starts(b, ctype, practitioner, day) == offered
        assert picker_offers(b, ctype, practitioner, day, chosen)

    status, _ = book(a, ctype, practitioner, chosen, "ada@example.com")
    assert status == 200
    assert chosen not in free_starts(b, ctype, practitioner, day)
    assert not picker_offers(b, ctype, practitioner, day, chosen)

    # Cancelled by this test's process through QuerySet.update (no save(), no signal): the
    # time is back in both at once.
    Appointment.objects.filter(practitioner=practitioner).update(
        status=Appointment.Status.CANCELLED
    )
    assert free_starts(b, ctype, practitioner, day) == offered
    assert picker_offers(b, ctype, practitioner, day, chosen)
    assert free_starts(a, ctype, practitioner, day) == offered


def test_a_clinic_profile_change_shows_in_both_processes_at_once(servers, clinic):
    a, b = servers
    ctype, practitioner, day = clinic
    before = free_starts(a, ctype, practitioner, day)
    assert before == free_starts(b, ctype, practitioner, day)
    assert "Renamed Pain Clinic" not in a.get("/")[1] + b.get("/")[1]

    # This test's process is a third one: a save here reaches the servers' copies.
    profile = ClinicProfile.objects.get(pk=1)
    profile.name = "Renamed Pain Clinic"
    profile.save()
    assert "Renamed Pain Clinic" in a.get("/")[1]
    assert "Renamed Pain Clinic" in b.get("/")[1]

    # A change of the booking rules too, through QuerySet.update (no save()): times on the
    # hour only, so the quarter-hour times go from both at once.
    ClinicProfile.objects.filter(pk=1).update(slot_granularity_minutes=60)
    hourly = [start for start in before if start[14:16] == "00"]
    assert free_starts(a, ctype, practitioner, day) == hourly
    assert free_starts(b, ctype, practitioner, day) == hourly


def test_an_article_edit_shows_in_both_processes_at_once(servers):
    a, b = servers
    article = ArticleFactory(title="Knees in winter", slug="knees-in-winter")
    for server in (a, b):
        for _ in range(2):  # the second, and the other process's, from the shared page cache
            assert "Knees in winter" in server.get("/learn/")[1]
            assert "Knees in winter" in server.get(article.get_absolute_url())[1]

    # An edit by a third process, through QuerySet.update (no save(), no signal).
    Article.objects.filter(pk=article.pk).update(title="Knees all year")

    for server in (b, a):
        assert "Knees all year" in server.get("/learn/")[1]
        assert "Knees all year" in server.get(article.get_absolute_url())[1]


def test_hours_and_closures_kept_by_each_process_follow_every_write_at_once(servers, clinic):
    """Each process keeps the type, its practitioners, their hours and the closures under the
    catalogue's stamp (booking/catalogue.py): changed by a third process behind save(), both
    show the change on their next request."""
    a, b = servers
    ctype, practitioner, day = clinic
    offered = free_starts(a, ctype, practitioner, day)
    for server in (a, b):
        for _ in range(2):  # the second from what the process kept
            assert free_starts(server, ctype, practitioner, day) == offered
            assert picker_offers(server, ctype, practitioner, day, offered[0])

    # The day's hours start at noon now (QuerySet.update: no save(), no signal).
    WorkingHours.objects.filter(practitioner=practitioner).update(start_time=clock_time(12))
    for server in (b, a):
        now_offered = free_starts(server, ctype, practitioner, day)
        assert offered[0] not in now_offered
        assert not picker_offers(server, ctype, practitioner, day, offered[0])
        assert now_offered
        assert len(now_offered) < len(offered)

    # A closure over the day, made by a bulk insert: no time that day in either process.
    ClinicClosure.objects.bulk_create([ClinicClosure(name="Flood", start_date=day, end_date=day)])
    for server in (a, b):
        assert free_starts(server, ctype, practitioner, day) == []
