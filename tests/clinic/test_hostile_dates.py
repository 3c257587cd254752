"""Every date, time and number a request carries is range-checked before use: hostile values
(year 0, year 9999 with extreme offsets, non-ASCII digits, huge numbers, empty, malformed) get a
4xx or a form error, never a 500, on every public and staff URL that reads one.

Extend URLS_WITH_PARAMS / STAFF_URLS when a page starts reading a date, time or number.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from booking.links.tokens import manage_token
from tests.factories import (
    AppointmentFactory,
    ConsultationTypeFactory,
    PractitionerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HOSTILE_TEMPORAL = [
    "",
    "0000-01",
    "0000-01-01",
    "0001-01",
    "0001-01-01",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00-14:00",
    "9999-12",
    "9999-12-31",
    "9999-12-31T23:59:00-14:00",
    "9999-12-31T23:59:59.999999+14:00",
    "10000-01-01",
    "٢٠٢٦-٠٣-١٠",  # Arabic-Indic digits
    "٢٠٢٦-٠٣",
    "２０２６-０３-１０",  # full-width digits
    "2026-٠٣",
    "2026-02-30",
    "2026-13",
    "2026-00",
    "2026-03-10T25:00:00+00:00",
    "2026-03-10T10:00:00+99:00",
    "2026-03-10T10:00",  # naive
    "not a date",
    "\x00",
]
HOSTILE_NUMBERS = ["٣", "۳", "３", "٣١", "1" * 40, "99999999999999999999", "-1", "0", "1e9", ""]
HOSTILE_VALUES = HOSTILE_TEMPORAL + HOSTILE_NUMBERS


@pytest.fixture
def world(settings):
    settings.BOOKING_RATE_LIMIT = 1_000_000
    settings.LOST_LINK_RATE_LIMIT = 1_000_000
    cache.clear()
    ctype = ConsultationTypeFactory(slug="follow-up")
    practitioner = PractitionerFactory(consultation_types=[ctype])
    appointment = AppointmentFactory(
        consultation_type=ctype,
        practitioner=practitioner,
        start=timezone.now() + timedelta(days=3),
    )
    return {"practitioner": practitioner, "appointment": appointment, "ctype": ctype}


def _public_urls(world) -> list[tuple[str, list[str]]]:
    token = manage_token(world["appointment"])
    return [
        ("/book/follow-up/", ["month", "date", "practitioner"]),
        ("/book/follow-up/details/", ["start", "practitioner", "month", "date"]),
        ("/book/follow-up/confirm/", ["start", "practitioner"]),
        ("/api/availability", ["start", "days", "practitioner"]),
        (f"/book/manage/{token}/reschedule/", ["month", "date", "practitioner"]),
        (f"/book/manage/{token}/reschedule/confirm/", ["start", "practitioner"]),
    ]


def _staff_urls(world) -> list[tuple[str, list[str]]]:
    appointment = world["appointment"]
    base = "/admin/booking/appointment/"
    return [
        (f"{base}schedule/day/", ["date", "practitioner"]),
        (f"{base}schedule/week/", ["date", "practitioner"]),
        (f"{base}schedule/print/", ["date", "practitioner"]),
        (f"{base}book/", ["day", "consultation_type", "practitioner", "patient", "start"]),
        (f"{base}disruption/", ["time_off", "closure"]),
        (f"{base}{appointment.pk}/move/", ["day", "start", "practitioner"]),
        (base, ["start__gte", "start__lt", "start__date", "practitioner__id__exact"]),
    ]


def _valid_values(world) -> dict[str, str]:
    """Otherwise-valid companions, so each hostile value reaches its own check."""
    ctype, practitioner = world["ctype"], world["practitioner"]
    start = world["appointment"].start + timedelta(days=1)
    return {
        "type": ctype.slug,
        "consultation_type": str(ctype.pk),
        "practitioner": str(practitioner.pk),
        "start": start.isoformat(),
        "day": start.date().isoformat(),
    }


def _sweep(client: Client, urls, world, *, post: bool) -> list[str]:
    failures = []
    for url, params in urls:
        for param in params:
            for value in HOSTILE_VALUES:
                data = {**_valid_values(world), param: value}
                if "availability" in url or post is False:
                    response = client.get(url, data)
                else:
                    response = client.post(url, data)
                if response.status_code >= 500:
                    failures.append(f"{'POST' if post else 'GET'} {url} {param}={value!r}")
    return failures


@pytest.mark.parametrize("post", [False, True])
def test_public_dates_times_and_numbers_never_500(world, post):
    client = Client(raise_request_exception=False)
    assert _sweep(client, _public_urls(world), world, post=post) == []


@pytest.mark.parametrize("post", [False, True])
def test_staff_dates_times_and_numbers_never_500(world, post):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert _sweep(client, _staff_urls(world), world, post=post) == []


@pytest.mark.parametrize(
    "value", ["٣", "۳", "３", "٣١", "٢٠٢٦-٠٣-١٠", "２０２６-０３-１０", "2026-٠٣-10"]
)
@pytest.mark.parametrize("param", ["start", "days", "practitioner"])
def test_api_reads_ascii_digits_only(world, client, param, value):
    response = client.get("/api/availability", {"type": "follow-up", param: value})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "start",
    [
        "9999-12-31T23:59:00-14:00",
        "0001-01-01T00:00:00+14:00",
        "٢٠٢٦-٠٣-١٠T10:00:00+00:00",
        5000,  # days from now
        -500,
    ],
)
def test_slot_start_outside_the_booking_window_is_a_form_error(world, client, start):
    if isinstance(start, int):
        start = (timezone.now() + timedelta(days=start)).isoformat()
    response = client.get(
        "/book/follow-up/details/", {"start": start, "practitioner": world["practitioner"].pk}
    )
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "٢٠٢٦-٠٣", "2026-٠٣", "0001-01"])
def test_picker_month_outside_any_window_is_a_400(world, client, month):
    assert client.get("/book/follow-up/", {"month": month}).status_code == 400
