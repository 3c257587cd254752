"""GET /api/availability: aware ISO-8601 slots per day, 400s for bad input, fixed queries."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import AppointmentFactory, ConsultationTypeFactory, PractitionerFactory

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
URL = reverse("booking:api_availability")


@pytest.fixture
def ctype():
    return ConsultationTypeFactory(slug="initial", duration_minutes=30, horizon_days=60)


def next_monday() -> date:
    day = timezone.localdate() + timedelta(days=1)
    while day.weekday() != 0:
        day += timedelta(days=1)
    return day


def test_api_availability_lists_each_day_with_aware_slots(client, ctype):
    practitioner = PractitionerFactory(consultation_types=[ctype])
    monday = next_monday()
    AppointmentFactory(
        consultation_type=ctype,
        practitioner=practitioner,
        start=datetime.combine(monday, time(9), tzinfo=NY),
    )

    response = client.get(URL, {"type": "initial", "start": monday.isoformat(), "days": "2"})

    data = response.json()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["Access-Control-Allow-Origin"] == "*"
    assert (data["type"], data["time_zone"]) == ("initial", "America/New_York")
    assert [d["date"] for d in data["days"]] == [
        monday.isoformat(),
        (monday + timedelta(days=1)).isoformat(),
    ]
    first = data["days"][0]["slots"][0]
    start = datetime.fromisoformat(first["start"])
    assert start == datetime.combine(monday, time(9, 30), tzinfo=NY)
    assert start.utcoffset() is not None
    assert datetime.fromisoformat(first["end"]) - start == timedelta(minutes=30)
    assert first["practitioner"] == practitioner.pk
    assert len(data["days"][0]["slots"]) == 15
    assert len(data["days"][1]["slots"]) == 16


def test_api_availability_filters_by_practitioner(client, ctype):
    PractitionerFactory(consultation_types=[ctype])
    chosen = PractitionerFactory(consultation_types=[ctype])

    response = client.get(
        URL,
        {"type": "initial", "start": next_monday().isoformat(), "practitioner": str(chosen.pk)},
    )

    slots = [s for day in response.json()["days"] for s in day["slots"]]
    assert response.status_code == 200
    assert slots
    assert {s["practitioner"] for s in slots} == {chosen.pk}


def test_api_availability_query_count_is_fixed(client, ctype, django_assert_max_num_queries):
    for _ in range(10):
        PractitionerFactory(consultation_types=[ctype])
    params = {"type": "initial", "start": next_monday().isoformat(), "days": "31"}
    client.get(URL, params)  # what this process keeps, as after a server's first request

    # The catalogue's stamp (the type, the profile, the hours and closures are kept under it:
    # booking/catalogue.py) and busy time.
    with django_assert_max_num_queries(2):
        response = client.get(URL, params)

    assert response.status_code == 200


def test_api_availability_first_request_reads_the_catalogue(
    client, ctype, django_assert_num_queries
):
    """A new stamp (or a new process): the stamp, the type, the profile, the hours, busy time."""
    PractitionerFactory(consultation_types=[ctype])
    params = {"type": "initial", "start": next_monday().isoformat(), "days": "7"}

    with django_assert_num_queries(5):
        response = client.get(URL, params)

    assert response.status_code == 200


@pytest.mark.parametrize("appointments", [0, 12])
def test_api_availability_for_one_practitioner_checks_them_only_without_times(
    client, ctype, django_assert_num_queries, appointments
):
    chosen = PractitionerFactory(consultation_types=[ctype])
    monday = next_monday()
    for n in range(appointments):
        AppointmentFactory(
            consultation_type=ctype,
            practitioner=chosen,
            start=datetime.combine(monday, time(9), tzinfo=NY) + timedelta(minutes=30 * n),
        )
    params = {"type": "initial", "start": monday.isoformat(), "practitioner": str(chosen.pk)}
    client.get(URL, params)

    # The stamp and busy time: free times found, so no check of the practitioner.
    with django_assert_num_queries(2):
        response = client.get(URL, params)

    assert response.status_code == 200
    assert len(response.json()["days"][0]["slots"]) == 16 - appointments


def test_api_availability_known_practitioner_without_times_is_an_empty_answer(client, ctype):
    """No free time (no hours here) is an empty day, not "unknown practitioner": the check
    that runs for an empty answer tells the two apart."""
    idle = PractitionerFactory(consultation_types=[ctype], weekly_hours=[])
    params = {"type": "initial", "start": next_monday().isoformat(), "practitioner": idle.pk}

    response = client.get(URL, params)

    assert response.status_code == 200
    assert response.json()["days"][0]["slots"] == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "type is required"),
        ({"type": "no-such-type"}, "Unknown consultation type"),
        ({"type": "initial\x00"}, "slug"),
        ({"type": "initial", "start": "2026-02-30"}, "real calendar date"),
        ({"type": "initial", "start": "tomorrow"}, "YYYY-MM-DD"),
        ({"type": "initial", "start": "9999-12-31"}, "too far"),
        ({"type": "initial", "days": "0"}, "from 1 to 31"),
        ({"type": "initial", "days": "32"}, "from 1 to 31"),
        ({"type": "initial", "days": "99999999999999999999"}, "from 1 to 31"),
        ({"type": "initial", "days": "-1"}, "from 1 to 31"),
        ({"type": "initial", "practitioner": "abc"}, "practitioner"),
        ({"type": "initial", "practitioner": "99999999999999999999"}, "practitioner"),
        ({"type": "initial", "practitioner": "424242"}, "Unknown practitioner"),
    ],
)
def test_api_availability_bad_parameters_get_a_json_400(client, ctype, params, message):
    response = client.get(URL, params)

    assert response.status_code == 400
    assert message in response.json()["error"]


def test_api_availability_inactive_type_or_other_practitioner_is_unknown(client, ctype):
    outsider = PractitionerFactory()
    retired = ConsultationTypeFactory(slug="retired", active=False)
    PractitionerFactory(consultation_types=[retired])

    inactive = client.get(URL, {"type": "retired"})
    stranger = client.get(URL, {"type": "initial", "practitioner": str(outsider.pk)})

    assert (inactive.status_code, stranger.status_code) == (400, 400)


def test_api_availability_refuses_writes_but_answers_head(client, ctype):
    assert client.post(URL, {"type": "initial"}).status_code == 405
    assert client.head(URL, {"type": "initial"}).status_code == 200
