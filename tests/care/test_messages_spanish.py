"""Care's emails (questionnaire invitation, reminder, consent copy) go through the ledger in the
patient's language, with the interpreter notice."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from booking.messaging.ledger import messages_deliver
from booking.models import OutboundMessage
from booking.profile import clinic_profile_get
from care.messages import CONSENT_COPY, INVITE, REMINDER, consent_copy_queue, questionnaires_scan
from care.plans import plan_start
from tests.pseudo import OPEN, english_left, pseudo_spanish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker():
    with mock.patch("care.messages.message_enqueue"):
        yield


def _allowed() -> list[str]:
    profile = clinic_profile_get()
    return [profile.name, profile.phone]


def _deliver(kind: str, now) -> mail.EmailMessage:
    message = OutboundMessage.objects.get(kind=kind)
    with pseudo_spanish():
        messages_deliver(message_ids=[message.pk], now=now)
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT, message.last_error
    return mail.outbox[-1]


@pytest.fixture
def spanish_plan(course):
    patient = course["visit"].patient
    patient.language = "es"
    patient.save(update_fields=["language"])
    return plan_start(appointment=course["visit"], template=course["template"])


def test_the_invitation_and_its_reminder_are_in_spanish(spanish_plan):
    now = timezone.now() + timedelta(minutes=1)
    questionnaires_scan(now=now)
    questionnaires_scan(now=now + timedelta(days=8))
    for kind in (INVITE, REMINDER):
        sent = _deliver(kind, now + timedelta(days=8))
        html = sent.alternatives[0][0]
        assert sent.extra_headers["Content-Language"] == "es"
        assert '<html lang="es">' in html
        for part in (sent.subject, sent.body, html):
            assert english_left(part, allowed=_allowed()) == [], part
        assert "free interpreter services are available" in sent.body


def test_the_consent_copy_is_in_spanish(spanish_plan, course):
    from care.models import ConsentRecord, ConsentText

    text = ConsentText.objects.create(
        consultation_type=course["procedure"],
        version=1,
        title="Consent",
        body="Text.",
        published_at=timezone.now() - timedelta(days=1),
    )
    ConsentRecord.objects.create(
        plan=spanish_plan,
        text=text,
        action="signed",
        signed_name="Lucía Pérez",
        recorded_at=timezone.now(),
    )
    consent_copy_queue(plan=spanish_plan, now=timezone.now())
    sent = _deliver(CONSENT_COPY, timezone.now())
    assert sent.extra_headers["Content-Language"] == "es"
    for part in (sent.subject, sent.body):
        assert english_left(part, allowed=_allowed()) == [], part
    assert "free interpreter services are available" in sent.body


def test_an_english_patient_gets_english(course):
    plan_start(appointment=course["visit"], template=course["template"])
    now = timezone.now() + timedelta(minutes=1)
    questionnaires_scan(now=now)
    sent = _deliver(INVITE, now)
    assert sent.extra_headers["Content-Language"] == "en"
    assert OPEN not in sent.subject + sent.body
    assert sent.subject == "A few questions from Riverside Joint & Pain Clinic"
