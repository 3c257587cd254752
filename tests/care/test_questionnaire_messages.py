from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from booking.messaging.ledger import messages_deliver
from booking.models import OutboundMessage
from care.messages import INVITE, REMINDER, questionnaires_scan
from care.plans import plan_end, plan_start

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker():
    with mock.patch("care.messages.message_enqueue"):
        yield


def test_one_invitation_then_one_reminder_without_health_details(course):
    plan = plan_start(appointment=course["visit"], template=course["template"])
    now = timezone.now() + timedelta(minutes=1)
    assert questionnaires_scan(now=now) == 1
    assert questionnaires_scan(now=now) == 0  # never twice
    invite = OutboundMessage.objects.get(kind=INVITE)
    assert invite.time_point == plan.time_points.get()
    messages_deliver(message_ids=[invite.pk], now=now)
    invite.refresh_from_db()
    assert invite.status == OutboundMessage.Status.SENT
    (email,) = mail.outbox
    body = email.body + email.alternatives[0][0]
    assert "/care/p/p." in body
    for health in ("pain", "PRP", "knee", "Knee", "injection", "score"):
        assert health not in body + email.subject

    later = now + timedelta(days=8)
    assert questionnaires_scan(now=later) == 1
    assert OutboundMessage.objects.filter(kind=REMINDER).count() == 1
    assert questionnaires_scan(now=later + timedelta(days=30)) == 0


def test_nothing_after_the_plan_ends_or_once_answered(course):
    plan = plan_start(appointment=course["visit"], template=course["template"])
    now = timezone.now() + timedelta(minutes=1)
    questionnaires_scan(now=now)
    invite = OutboundMessage.objects.get(kind=INVITE)
    plan_end(plan=plan, reason="Moved away")
    messages_deliver(message_ids=[invite.pk], now=now)
    invite.refresh_from_db()
    assert invite.status == OutboundMessage.Status.SKIPPED
    assert mail.outbox == []
    assert questionnaires_scan(now=now + timedelta(days=30)) == 0
