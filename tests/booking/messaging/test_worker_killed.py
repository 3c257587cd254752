"""A worker killed between sends: once its lease expires and the batch is retried, nothing it
had already sent goes out again, and a message caught in the send-to-record window goes out
again only with the same Message-ID (so the receiving server can drop the repeat).

The real thing (SIGKILL of a Celery worker against an SMTP server) is bench/kill_worker.py.
"""

from datetime import timedelta
from email import message_from_bytes

import pytest
from django.utils import timezone

from booking.messaging import ledger
from booking.messaging.ledger import messages_deliver
from booking.models import OutboundMessage
from tests.factories import AppointmentFactory, OutboundMessageFactory, next_weekday_at

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Like SIGKILL, not an Exception: nothing in the ledger may catch it."""


def _batch(size: int) -> list[int]:
    return [
        OutboundMessageFactory(
            appointment=AppointmentFactory(start=next_weekday_at(9 + i % 8, weekday=2)),
            kind=OutboundMessage.Kind.CONFIRMATION,
        ).pk
        for i in range(size)
    ]


def _message_ids(outbox) -> list[str]:
    return [message_from_bytes(m.message().as_bytes())["Message-ID"] for m in outbox]


def _retry_after_lease(ids, settings):
    later = timezone.now() + timedelta(seconds=settings.EMAIL_LEASE_SECONDS + 1)
    messages_deliver(message_ids=ids, now=later)


@pytest.mark.parametrize("killed_after", [1, 2, 4])
def test_kill_between_sends_never_sends_twice(monkeypatch, mailoutbox, settings, killed_after):
    ids = _batch(5)
    recorded = []
    real_record = ledger._record

    def record_then_die(message, lease_until, **kwargs):
        real_record(message, lease_until, **kwargs)
        recorded.append(message.pk)
        if len(recorded) == killed_after:
            raise WorkerKilled

    monkeypatch.setattr(ledger, "_record", record_then_die)
    with pytest.raises(WorkerKilled):
        messages_deliver(message_ids=ids)
    assert len(mailoutbox) == killed_after
    monkeypatch.setattr(ledger, "_record", real_record)

    _retry_after_lease(ids, settings)

    sent_ids = _message_ids(mailoutbox)
    assert len(sent_ids) == len(ids) == len(set(sent_ids))
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_kill_between_acceptance_and_record_repeats_the_same_message_id(
    monkeypatch, mailoutbox, settings
):
    ids = _batch(3)
    real_record = ledger._record

    def die_before_recording(message, lease_until, **kwargs):
        raise WorkerKilled

    monkeypatch.setattr(ledger, "_record", die_before_recording)
    with pytest.raises(WorkerKilled):
        messages_deliver(message_ids=ids)
    monkeypatch.setattr(ledger, "_record", real_record)
    _retry_after_lease(ids, settings)

    sent_ids = _message_ids(mailoutbox)
    assert len(sent_ids) == 4  # the first one twice: the unavoidable window
    assert len(set(sent_ids)) == 3  # ...but as one Message-ID, for the receiver to drop
    first = OutboundMessage.objects.get(pk=ids[0])
    assert sent_ids.count(f"<ledger-{first.pk}@{_domain(settings)}>") == 2


def _domain(settings):
    from email.utils import parseaddr

    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]


def test_message_id_is_stable_across_attempts_and_unique_per_row(settings):
    from booking.messaging.compose import message_build, message_id_for
    from booking.profile import clinic_profile_get

    first, second = (OutboundMessage.objects.get(pk=pk) for pk in _batch(2))
    profile = clinic_profile_get()
    built = [message_build(first, profile=profile) for _ in range(2)]
    assert {email.message()["Message-ID"] for email in built} == {message_id_for(first)}
    assert message_id_for(first) != message_id_for(second)
    assert message_id_for(first) == f"<ledger-{first.pk}@{_domain(settings)}>"
