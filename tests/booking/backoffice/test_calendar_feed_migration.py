"""Migration 0024 on a database whose calendar feeds still hold their tokens: each becomes its
SHA-256, and the address a clinician subscribed with before keeps working; going back gives
every feed a new token (a hash cannot be turned back)."""

import hashlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from tests.factories import PractitionerFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("booking", "0027_appointment_patient_start_index")]
AFTER = [("booking", "0028_calendar_feed_token_hash")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_addresses_keep_working_after_the_tokens_are_hashed(client):
    practitioner = PractitionerFactory(display_name="Dr Patel")
    try:
        old_apps = _migrate(BEFORE)
        OldFeed = old_apps.get_model("booking", "CalendarFeed")
        live = OldFeed.objects.create(practitioner_id=practitioner.pk, token="subscribed-token")
        revoked = OldFeed.objects.create(
            practitioner_id=practitioner.pk, token="an-old-one", revoked_at="2026-01-01T00:00Z"
        )

        new_apps = _migrate(AFTER)

        Feed = new_apps.get_model("booking", "CalendarFeed")
        hashes = dict(Feed.objects.values_list("pk", "token_hash"))
        assert hashes == {
            live.pk: hashlib.sha256(b"subscribed-token").hexdigest(),
            revoked.pk: hashlib.sha256(b"an-old-one").hexdigest(),
        }
        assert "token" not in {f.name for f in Feed._meta.get_fields()}
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    # The whole app again (every later migration): the subscribed URL answers, the revoked one
    # does not.
    feed_url = reverse("booking:calendar_feed", args=["subscribed-token"])
    assert client.get(feed_url).status_code == 200
    assert client.get(reverse("booking:calendar_feed", args=["an-old-one"])).status_code == 404


def test_going_back_gives_every_feed_a_new_token():
    practitioner = PractitionerFactory(display_name="Dr Okafor")
    try:
        Feed = _migrate(AFTER).get_model("booking", "CalendarFeed")
        Feed.objects.create(practitioner_id=practitioner.pk, token_hash="a" * 64)
        Feed.objects.create(
            practitioner_id=practitioner.pk, token_hash="b" * 64, revoked_at="2026-01-01T00:00Z"
        )
        OldFeed = _migrate(BEFORE).get_model("booking", "CalendarFeed")
        tokens = list(OldFeed.objects.values_list("token", flat=True))
        assert len(set(tokens)) == 2
        assert all(len(token) >= 40 for token in tokens)
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
