""" "Lost your link?" does the same work for every address: store a request, queue its id."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking.messaging.lost_links import REQUEST_MAX_AGE, link_request_process
from booking.models import LinkRequest, OutboundMessage
from tests.factories import AppointmentFactory, next_weekday_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limit")]

KNOWN = "maria@example.com"


@pytest.fixture
def appointment(ctype, doctor):
    return AppointmentFactory(
        consultation_type=ctype, practitioner=doctor, start=next_weekday_at(10), contact_email=KNOWN
    )


@pytest.fixture
def queued(monkeypatch):
    """The task arguments the page queues (the worker runs them separately)."""
    seen: list[tuple] = []
    monkeypatch.setattr(
        "booking.messaging.lost_links.link_request_enqueue",
        lambda **kwargs: seen.append(tuple(kwargs.items())),
    )
    return seen


def _shape(sql: str) -> str:
    # The statement without its literal values: what the database was asked to do.
    return re.sub(r"'[^']*'|\b\d+\b", "?", sql)


def _post(client, email: str, django_capture_on_commit_callbacks) -> list[str]:
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("booking:lost_link"), {"email": email})
    assert response.status_code == 200
    return [_shape(q["sql"]) for q in queries.captured_queries]


@pytest.mark.parametrize(
    "known", [KNOWN, KNOWN.upper(), f"  {KNOWN}  "], ids=["same", "upper", "spaces"]
)
@pytest.mark.parametrize(
    "unknown", ["nobody@example.com", "maria@example.org", "m@x.io"], ids=["a", "b", "c"]
)
def test_known_and_unknown_addresses_run_the_same_queries(
    client, appointment, queued, django_capture_on_commit_callbacks, known, unknown
):
    _post(client, "warm-up@example.com", django_capture_on_commit_callbacks)  # session, cache
    for_known = _post(client, known, django_capture_on_commit_callbacks)
    for_unknown = _post(client, unknown, django_capture_on_commit_callbacks)
    assert for_known == for_unknown
    assert not any('booking_appointment"' in sql for sql in for_known)
    assert not OutboundMessage.objects.exists()  # nothing looked up or sent by the page


def test_only_the_request_id_is_queued_never_the_address(
    client, appointment, queued, django_capture_on_commit_callbacks
):
    _post(client, KNOWN, django_capture_on_commit_callbacks)
    request = LinkRequest.objects.get()
    assert queued == [(("request_id", request.pk),)]
    assert KNOWN not in repr(queued)


def test_worker_sends_to_a_known_address_and_forgets_every_request(client, appointment):
    known = LinkRequest.objects.create(email=KNOWN.upper())
    unknown = LinkRequest.objects.create(email="nobody@example.com")
    for request in (known, unknown):
        link_request_process(request_id=request.pk)
    link_request_process(request_id=known.pk)  # delivered twice: answered once
    sent = OutboundMessage.objects.filter(kind=OutboundMessage.Kind.MANAGE_LINK)
    assert list(sent.values_list("appointment_id", flat=True)) == [appointment.pk]
    assert not LinkRequest.objects.exists()


def test_requests_a_lost_task_left_behind_are_purged():
    stale = LinkRequest.objects.create(email="old@example.com")
    LinkRequest.objects.filter(pk=stale.pk).update(created_at=stale.created_at - REQUEST_MAX_AGE)
    fresh = LinkRequest.objects.create(email="new@example.com")
    link_request_process(request_id=0)
    assert list(LinkRequest.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_page_to_worker_end_to_end(client, appointment, django_capture_on_commit_callbacks):
    # Tests run tasks eagerly: the queued id reaches the registered task, which sends.
    _post(client, KNOWN, django_capture_on_commit_callbacks)
    assert OutboundMessage.objects.filter(kind=OutboundMessage.Kind.MANAGE_LINK).count() == 1
    assert not LinkRequest.objects.exists()
