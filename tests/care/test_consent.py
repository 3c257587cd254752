"""Consent through the private link, versioned and never edited, and the status guard: no
procedure marked arrived or completed without a signature on the current version."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.models import Appointment, OutboundMessage
from booking.scheduling.changes import appointment_set_status
from booking.scheduling.errors import InvalidTransition
from care.consent import consent_is_current
from care.links import plan_token
from care.messages import CONSENT_COPY, _consent_build
from care.models import ConsentRecord, ConsentText
from care.plans import plan_start
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

BORN = date(1961, 4, 5)


@pytest.fixture
def consent(course):
    patient = course["visit"].patient
    patient.date_of_birth = BORN
    patient.save()
    plan = plan_start(appointment=course["visit"], template=course["template"])
    text = ConsentText.objects.create(
        consultation_type=course["procedure"],
        version=1,
        title="PRP injection consent",
        body="What happens.\n\nThe risks.",
        published_at=timezone.now() - timedelta(days=1),
    )
    procedure = AppointmentFactory(
        patient=patient,
        consultation_type=course["procedure"],
        practitioner=course["doctor"],
        start=timezone.now() - timedelta(minutes=10),
    )
    step = plan.steps.get(position=2)
    step.appointment = procedure
    step.save()
    return {
        "plan": plan,
        "text": text,
        "procedure": procedure,
        "url": reverse("care:consent", args=[plan_token(plan)]),
    }


def _sign(client, consent, **overrides):
    data = {
        "text": consent["text"].pk,
        "date_of_birth": BORN.isoformat(),
        "full_name": "Maria  Lopez",
        "agree": "on",
        "action": "sign",
        **overrides,
    }
    return client.post(consent["url"], data)


def test_the_patient_reads_and_signs_and_gets_a_copy_with_the_link_only(client, consent):
    page = client.get(consent["url"])
    assert page.status_code == 200
    assert b"The risks." in page.content
    assert _sign(client, consent).status_code == 302
    record = ConsentRecord.objects.get()
    assert (record.action, record.signed_name, record.signer_relationship) == (
        "signed",
        "Maria Lopez",
        "",
    )
    assert record.date_of_birth_confirmed
    assert record.language == "en"
    copy = OutboundMessage.objects.get(kind=CONSENT_COPY)
    assert copy.patient_id == consent["plan"].patient_id
    email = _consent_build(copy, type("Profile", (), {"name": "Clinic"})())
    assert consent["url"] in email.body
    assert "PRP" not in email.body
    assert "PRP" not in email.subject


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"date_of_birth": "1961-04-06"}, "date_of_birth"),
        ({"date_of_birth": "not a date"}, "date_of_birth"),
        ({"date_of_birth": ""}, "date_of_birth"),
        ({"full_name": ""}, "full_name"),
        ({"full_name": "x" * 500}, "full_name"),
        ({"agree": ""}, "agree"),
        ({"for_someone": "on", "relationship": ""}, "relationship"),
        ({"text": "999999"}, None),
        ({"text": "x"}, "text"),
    ],
)
def test_every_bad_field_is_a_form_error_and_nothing_is_recorded(client, consent, overrides, field):
    response = _sign(client, consent, **overrides)
    assert response.status_code == 400
    if field and field != "text":
        assert response.context["form"].errors.get(field)
    assert not ConsentRecord.objects.exists()


def test_someone_signing_for_the_patient_gives_the_relationship(client, consent):
    _sign(client, consent, for_someone="on", relationship="Daughter", full_name="Ana Lopez")
    assert ConsentRecord.objects.get().signer_relationship == "Daughter"


def test_a_new_version_needs_a_new_signature_and_withdrawal_is_a_new_record(client, consent):
    _sign(client, consent)
    plan = consent["plan"]
    assert consent_is_current(plan=plan, now=timezone.now())
    ConsentText.objects.create(
        consultation_type=consent["text"].consultation_type,
        version=2,
        title="PRP injection consent",
        body="Updated risks.",
        published_at=timezone.now() - timedelta(minutes=1),
    )
    assert not consent_is_current(plan=plan, now=timezone.now())
    # The old version's page data is stale: signing it is refused.
    assert _sign(client, consent).status_code == 400
    new = ConsentText.objects.get(version=2)
    _sign(client, consent, text=new.pk)
    assert consent_is_current(plan=plan, now=timezone.now())
    client.post(
        consent["url"],
        {
            "text": new.pk,
            "date_of_birth": BORN.isoformat(),
            "full_name": "Maria Lopez",
            "action": "withdraw",
        },
    )
    actions = list(ConsentRecord.objects.order_by("pk").values_list("action", "text__version"))
    assert actions == [("signed", 1), ("signed", 2), ("withdrawn", 2)]
    assert not consent_is_current(plan=plan, now=timezone.now())


def test_a_procedure_is_not_marked_arrived_or_completed_without_the_current_signature(
    client, consent
):
    procedure = consent["procedure"]
    for status in (Appointment.Status.ARRIVED, Appointment.Status.COMPLETED):
        with pytest.raises(InvalidTransition, match="consent"):
            appointment_set_status(appointment=procedure, status=status, acting_user=None)
    assert Appointment.objects.get(pk=procedure.pk).status == procedure.status
    _sign(client, consent)
    done = appointment_set_status(
        appointment=procedure, status=Appointment.Status.ARRIVED, acting_user=None
    )
    assert done.status == Appointment.Status.ARRIVED


def test_a_visit_that_is_not_a_procedure_is_not_guarded(consent, course):
    visit = AppointmentFactory(
        consultation_type=course["consult"],
        practitioner=course["doctor"],
        start=timezone.now() - timedelta(minutes=100),
    )
    done = appointment_set_status(
        appointment=visit, status=Appointment.Status.ARRIVED, acting_user=None
    )
    assert done.status == Appointment.Status.ARRIVED


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_bad_link_is_a_404(client, method):
    assert getattr(client, method)(reverse("care:consent", args=["p.bad"])).status_code == 404
