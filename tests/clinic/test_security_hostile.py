"""Hostile-input sweep: every public URL gets a catalogue of hostile inputs and must answer with a
4xx or a page (form errors included), never a 5xx, and without changing the database.

The catalogue and the helpers are meant to be extended: when a page or endpoint is added, add it
to PUBLIC_GETS / PUBLIC_POSTS (or, behind a manage token, to TOKEN_PATHS).
"""

import hashlib
import json
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django.utils.http import urlencode

from booking.links.tokens import manage_token
from booking.models import Appointment, Intake, OutboundMessage, Patient
from tests.factories import (
    AppointmentFactory,
    ArticleFactory,
    ConsultationTypeFactory,
    PractitionerFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

# --- The catalogue ----------------------------------------------------------------------------

HOSTILE_STRINGS = [
    "",
    "\x00",
    "abc\x00def",
    "x" * 100_000,
    "' OR 1=1 --",
    '"><script>alert(1)</script>',
    "{{ settings.SECRET_KEY }}",
    "../../../../etc/passwd",
    "\u202e\u200b\ufeff",  # bidi override, zero-width space, BOM
    "𝕜𝕟𝕖𝕖 🦵",
    "%00%ff",
]
HOSTILE_NUMBERS = ["-1", "0", "9" * 40, "-9" * 20, "1e309", "NaN", "Infinity", "0x10", "1.5"]
HOSTILE_DATES = [
    "2026-02-30",  # non-existent date
    "2026-13-01",
    "0000-01-01",
    "9999-12-31",
    "99999-01-01",
    "2026-03-08T02:30",  # New York: this local time does not exist (spring forward)
    "2026-11-01T01:30",  # New York: this local time happens twice (fall back)
    "2026-03-08T02:30:00-05:00",
    "yesterday",
]
# Raw query strings that are not valid UTF-8 or not valid percent-encoding.
HOSTILE_RAW_QUERIES = ["%ff%fe%fd", "q=%ff", "%", "a=%zz", "&&&=&=", "q=" + "%00" * 50]
TAMPERED_TOKENS = [
    "x",
    "0" * 500,
    "not-a-token",
    "eyJhbGciOiJub25lIn0.e30.",
    "..%2f..%2f",
    "%00",
    "A" * 64 + ":" + "B" * 27,
]
OVERSIZED_BODY = b"a=" + b"x" * 3_000_000  # above DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)
TOO_MANY_FIELDS = "&".join(f"f{i}=1" for i in range(1500)).encode()  # above 1000 fields
INVALID_UTF8_BODY = b"full_name=\xff\xfe\xfd&email=\xc3\x28@example.com&note=\xed\xa0\x80"


def hostile_values() -> list[str]:
    return HOSTILE_STRINGS + HOSTILE_NUMBERS + HOSTILE_DATES


# --- Helpers ------------------------------------------------------------------------------------

SNAPSHOT_APPS = ("booking", "education")


def db_snapshot() -> dict[str, str]:
    """A digest of every row of our apps' tables: equal snapshots mean no write happened."""
    digests = {}
    for app_label in SNAPSHOT_APPS:
        try:
            models = apps.get_app_config(app_label).get_models()
        except LookupError:
            continue
        for model in models:
            rows = list(model._default_manager.order_by("pk").values())
            payload = json.dumps(rows, default=str, sort_keys=True).encode()
            digests[model._meta.label] = hashlib.sha256(payload).hexdigest()
    return digests


def assert_refused_cleanly(response, what: str) -> None:
    assert response.status_code < 500, f"{what} -> {response.status_code}"


COUNTED_MODELS = (Appointment, Patient, Intake, OutboundMessage)


def row_counts() -> dict[str, int]:
    """The rows a booking, a questionnaire or a lost-link request would add, by model."""
    return {model.__name__: model.objects.count() for model in COUNTED_MODELS}


@pytest.fixture
def schedule():
    consultation_type = ConsultationTypeFactory(slug="follow-up")
    practitioner = PractitionerFactory(consultation_types=[consultation_type])
    appointment = AppointmentFactory(
        consultation_type=consultation_type,
        practitioner=practitioner,
        start=timezone.now() + timedelta(days=3),
    )
    cache.clear()  # rate-limit counters left by other tests
    topic = TopicFactory(slug="knees")
    ArticleFactory(slug="knee-pain", topic=topic)
    return {
        "type": consultation_type,
        "practitioner": practitioner,
        "appointment": appointment,
        "token": manage_token(appointment),
    }


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    # A 429 would stop the sweep at the door: the forms behind the limiter must see every value.
    settings.BOOKING_RATE_LIMIT = 1_000_000
    settings.LOST_LINK_RATE_LIMIT = 1_000_000


@pytest.fixture
def hostile_client():
    # A 500 must come back as a response to assert on, not as an exception in the test.
    return Client(raise_request_exception=False)


# --- The URLs -------------------------------------------------------------------------------------

# Public GET pages and the query parameters they read (hostile values go into each).
PUBLIC_GETS = [
    ("/", ["q"]),
    ("/book/", ["type"]),
    ("/book/follow-up/", ["date", "start", "practitioner", "week"]),
    ("/learn/", ["page", "q", "joint"]),
    ("/robots.txt", []),
    ("/sitemap.xml", ["p", "section"]),
    ("/privacy/", []),
    ("/book/follow-up/details/", ["start", "practitioner", "date", "month"]),
    ("/book/lost-link/", ["email"]),
    ("/api/availability", ["type", "start", "days", "practitioner"]),
    ("/learn/search/", ["q", "page", "topic"]),
    ("/learn/feed/", []),
    ("/learn/topics/knees/", ["page"]),
    ("/learn/knee-pain/", ["ref"]),
    ("/admin/login/", ["next"]),
]
# Paths built from hostile path segments.
HOSTILE_PATHS = [
    "/book/{value}/",
    "/book/{value}/details/",
    "/book/{value}/confirm/",
    "/learn/{value}/",
    "/learn/topics/{value}/",
]
# Pages opened by a manage token (the token goes where {token} is).
TOKEN_PATHS = [
    "/book/manage/{token}/",
    "/book/manage/{token}/booked/",
    "/book/manage/{token}/cancel/",
    "/book/manage/{token}/reschedule/",
    "/book/manage/{token}/reschedule/confirm/",
    "/book/manage/{token}/questionnaire/",
    "/book/manage/{token}/calendar.ics",
]
# Every field name a public form reads: hostile values go into all of them at once.
FORM_FIELDS = [
    "username",
    "password",
    "start",
    "practitioner",
    "date",
    "month",
    "full_name",
    "email",
    "phone",
    "date_of_birth",
    "joints",
    "note",
    "for_someone_else",
    "booker_name",
    "reminders",
    "privacy",
    "website",
    "submission_key",
    "pain_score",
    "pain_duration",
    "aggravating_factors",
    "previous_treatments",
    "current_medications",
    "imaging",
    "reason",
    "alternative",
    "edit",
]
# Endpoints that accept POST (once merged: the booking form, the questionnaire, lost-link...).
PUBLIC_POSTS = [
    "/admin/login/",
    "/book/follow-up/",
    "/book/follow-up/details/",
    "/book/follow-up/confirm/",
    "/book/lost-link/",
    *[path.format(token="0" * 64) for path in TOKEN_PATHS],
]


@pytest.mark.parametrize(("url", "params"), PUBLIC_GETS)
def test_public_pages_refuse_hostile_query_values_cleanly(hostile_client, schedule, url, params):
    before = db_snapshot()
    for param in params or ["x"]:
        for value in hostile_values():
            response = hostile_client.get(url, {param: value})
            assert_refused_cleanly(response, f"GET {url}?{param}={value[:40]!r}")
    assert db_snapshot() == before


@pytest.mark.parametrize(("url", "params"), PUBLIC_GETS)
def test_public_pages_refuse_malformed_query_strings_cleanly(hostile_client, schedule, url, params):
    before = db_snapshot()
    for raw in HOSTILE_RAW_QUERIES:
        response = hostile_client.get(f"{url}?{raw}")
        assert_refused_cleanly(response, f"GET {url}?{raw}")
    assert db_snapshot() == before


@pytest.mark.parametrize("template", HOSTILE_PATHS)
def test_hostile_path_segments_get_4xx(hostile_client, schedule, template):
    before = db_snapshot()
    for value in [*TAMPERED_TOKENS, *HOSTILE_NUMBERS, "no-such-thing", "a" * 5000]:
        url = template.format(value=value)
        response = hostile_client.get(url)
        assert_refused_cleanly(response, f"GET {url[:80]}")
        assert response.status_code >= 400 or response.status_code in (200, 301, 302)
    assert db_snapshot() == before


@pytest.mark.parametrize("url", [url for url, _ in PUBLIC_GETS] + PUBLIC_POSTS)
def test_hostile_bodies_are_refused_cleanly(hostile_client, schedule, url):
    before = db_snapshot()
    for body in (OVERSIZED_BODY, TOO_MANY_FIELDS, INVALID_UTF8_BODY, b"\x00" * 1000):
        response = hostile_client.generic(
            "POST", url, data=body, content_type="application/x-www-form-urlencoded"
        )
        assert_refused_cleanly(response, f"POST {url} ({len(body)} bytes)")
    response = hostile_client.generic(
        "POST", url, data=b'{"a": ' * 10_000, content_type="application/json"
    )
    assert_refused_cleanly(response, f"POST {url} (deeply nested JSON)")
    assert db_snapshot() == before


@pytest.mark.parametrize("url", PUBLIC_POSTS)
def test_hostile_form_values_are_refused_cleanly(hostile_client, schedule, url):
    before, counts = db_snapshot(), row_counts()
    for value in hostile_values():
        response = hostile_client.post(url, dict.fromkeys(FORM_FIELDS, value))
        assert_refused_cleanly(response, f"POST {url} value={value[:40]!r}")
    assert row_counts() == counts
    assert db_snapshot() == before


def _tampered_versions(token: str) -> list[str]:
    flipped = token[:-1] + ("0" if token[-1] != "0" else "1")
    return [
        *TAMPERED_TOKENS,
        token[:-1],  # truncated
        token + "0",  # overlong
        token * 20,
        token.upper(),
        flipped,  # signature does not match
        "0" * 32 + token[32:],  # unknown reference
        token[:32] + "\x00" * 32,
    ]


@pytest.mark.parametrize("template", TOKEN_PATHS)
def test_tampered_tokens_get_4xx_and_change_nothing(hostile_client, schedule, template):
    before, counts = db_snapshot(), row_counts()
    for token in _tampered_versions(schedule["token"]):
        url = template.format(token=token)
        for response in (
            hostile_client.get(url),
            hostile_client.post(url, dict.fromkeys(FORM_FIELDS, "x")),
        ):
            assert 400 <= response.status_code < 500, f"{url[:90]} -> {response.status_code}"
    assert row_counts() == counts
    assert db_snapshot() == before


# With the real token: query values a picker or a confirmation page reads.
TOKEN_GETS = [
    ("/book/manage/{token}/", ["x"]),
    ("/book/manage/{token}/reschedule/", ["date", "month", "practitioner", "start"]),
    ("/book/manage/{token}/reschedule/confirm/", ["start", "practitioner"]),
    ("/book/manage/{token}/questionnaire/", ["x"]),
    ("/book/manage/{token}/calendar.ics", ["x"]),
]


@pytest.mark.parametrize(("template", "params"), TOKEN_GETS)
def test_manage_pages_refuse_hostile_query_values_cleanly(
    hostile_client, schedule, template, params
):
    url = template.format(token=schedule["token"])
    before = db_snapshot()
    for param in params:
        for value in hostile_values():
            response = hostile_client.get(url, {param: value})
            assert_refused_cleanly(response, f"GET {template}?{param}={value[:40]!r}")
        for raw in HOSTILE_RAW_QUERIES:
            assert_refused_cleanly(hostile_client.get(f"{url}?{raw}"), f"GET {template}?{raw}")
    assert db_snapshot() == before


def test_reschedule_to_hostile_times_is_refused_and_changes_nothing(hostile_client, schedule):
    url = f"/book/manage/{schedule['token']}/reschedule/confirm/"
    practitioner_ids = [str(schedule["practitioner"].pk), *HOSTILE_NUMBERS]
    before = db_snapshot()
    for start in [*HOSTILE_DATES, *HOSTILE_NUMBERS, *HOSTILE_STRINGS]:
        for practitioner in practitioner_ids[:3]:
            response = hostile_client.post(url, {"start": start, "practitioner": practitioner})
            assert_refused_cleanly(response, f"POST reschedule start={start[:40]!r}")
    assert db_snapshot() == before


def test_questionnaire_refuses_hostile_answers_and_changes_nothing(hostile_client, schedule):
    url = f"/book/manage/{schedule['token']}/questionnaire/"
    before = db_snapshot()
    # Blank answers are a valid (empty) questionnaire; every other value fails pain_duration, a
    # choice no hostile value matches, so the form never validates.
    for value in [v for v in hostile_values() if v]:
        response = hostile_client.post(url, dict.fromkeys(FORM_FIELDS, value))
        assert response.status_code in (200, 400), f"questionnaire {value[:40]!r}"
    for number in ["-1", "11", "9" * 40, "1e309", "NaN"]:
        response = hostile_client.post(url, {"pain_score": number, "pain_duration": "weeks"})
        assert_refused_cleanly(response, f"questionnaire pain_score={number}")
    assert db_snapshot() == before


@pytest.mark.parametrize("url", ["/book/follow-up/details/", "/book/follow-up/confirm/"])
def test_booking_steps_refuse_impossible_local_times(hostile_client, schedule, url):
    before, counts = db_snapshot(), row_counts()
    practitioner = str(schedule["practitioner"].pk)
    for start in HOSTILE_DATES:
        for method in (hostile_client.get, hostile_client.post):
            response = method(url, {"start": start, "practitioner": practitioner})
            assert_refused_cleanly(response, f"{url} start={start}")
    assert row_counts() == counts
    assert db_snapshot() == before


def test_unknown_host_header_gets_400(hostile_client):
    response = hostile_client.get("/", headers={"host": "evil.example"})
    assert response.status_code == 400


def test_oversized_post_is_refused_with_400(hostile_client):
    response = hostile_client.generic(
        "POST",
        "/admin/login/",
        data=OVERSIZED_BODY,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400


def _free_slot(client: Client) -> dict[str, str]:
    response = client.get("/api/availability", {"type": "follow-up", "days": "14"})
    slot = next(slot for day in response.json()["days"] for slot in day["slots"])
    return {"start": slot["start"], "practitioner": str(slot["practitioner"])}


@pytest.mark.parametrize("url", ["/book/follow-up/details/", "/book/follow-up/confirm/"])
def test_booking_form_fields_refuse_hostile_values_with_a_free_slot(hostile_client, schedule, url):
    slot = _free_slot(hostile_client)
    before, counts = db_snapshot(), row_counts()
    for value in hostile_values():
        # Every field hostile but a real free slot: the form itself must answer (no email is
        # valid among these values, so nothing may be booked).
        data = {**dict.fromkeys(FORM_FIELDS, value), **slot}
        response = hostile_client.post(url, data)
        assert_refused_cleanly(response, f"POST {url} value={value[:40]!r}")
        assert response.status_code in (200, 400), f"{url} {value[:40]!r} -> {response.status_code}"
    for body in (TOO_MANY_FIELDS, INVALID_UTF8_BODY + b"&" + urlencode(slot).encode()):
        response = hostile_client.generic(
            "POST", url, data=body, content_type="application/x-www-form-urlencoded"
        )
        assert_refused_cleanly(response, f"POST {url} raw body")
    assert row_counts() == counts
    assert db_snapshot() == before
