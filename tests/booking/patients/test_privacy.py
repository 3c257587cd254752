import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from booking.messaging.tasks import anonymise_expired_intakes
from booking.models import Appointment, AuditEvent, Intake, OutboundMessage, Patient
from booking.patients.data_rights import (
    AnonymisationRefused,
    intakes_anonymise_expired,
    patient_anonymise,
    patient_export,
)
from booking.profile import clinic_profile_get
from tests.factories import (
    AppointmentFactory,
    OutboundMessageFactory,
    PatientFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SECRET_NOTE = "left knee swells after steroid shot"
SECRET_MEDICATION = "oxycodone 5mg"


def _staff_with(*codenames: str):
    user = UserFactory()
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    # has_perm caches per instance: fetch a fresh one.
    return type(user).objects.get(pk=user.pk)


def _visit(patient: Patient, *, start: datetime, **kwargs) -> Appointment:
    appointment = AppointmentFactory(patient=patient, start=start, **kwargs)
    intake = appointment.intake
    intake.note = SECRET_NOTE
    intake.current_medications = SECRET_MEDICATION
    intake.pain_score = 7
    intake.save()
    return appointment


def _every_stored_value(patient_id: int, appointment_ids: list[int]) -> str:
    rows = [
        *Patient.objects.filter(pk=patient_id).values(),
        *Patient.history.filter(id=patient_id).values(),
        *Appointment.objects.filter(pk__in=appointment_ids).values(),
        *Appointment.history.filter(id__in=appointment_ids).values(),
        *Intake.objects.filter(appointment_id__in=appointment_ids).values(),
        *Intake.history.filter(appointment_id__in=appointment_ids).values(),
        *OutboundMessage.objects.filter(appointment_id__in=appointment_ids).values(),
        *AuditEvent.objects.values(),
    ]
    return json.dumps(rows, default=str)


def test_patient_export_holds_details_visits_intake_messages_and_history():
    patient = PatientFactory(full_name="Ada Lovelace", email="ada@example.com")
    visit = _visit(patient, start=timezone.now() - timedelta(days=30))
    OutboundMessageFactory(appointment=visit, kind=OutboundMessage.Kind.REMINDER)
    manager = _staff_with("export_patient_data")

    data = patient_export(patient=patient, acting_user=manager)

    document = json.loads(json.dumps(data))  # one JSON file, no custom encoder needed
    assert document["patient"]["full_name"] == "Ada Lovelace"
    assert document["patient"]["phone"] == "+14135550199"
    [appointment] = document["appointments"]
    assert appointment["reference"] == visit.reference
    assert appointment["intake"]["note"] == SECRET_NOTE
    assert [m["kind"] for m in appointment["messages"]] == ["reminder"]
    assert document["history"]["patient"][0]["email"] == "ada@example.com"
    assert len(document["history"]["intakes"]) == 2  # created, then the answers saved
    assert document["history"]["appointments"]


def test_patient_export_is_audited_without_health_details():
    patient = PatientFactory(full_name="Ada Lovelace")
    _visit(patient, start=timezone.now() - timedelta(days=30))
    manager = _staff_with("export_patient_data")

    patient_export(patient=patient, acting_user=manager)

    [event] = AuditEvent.objects.all()
    assert event.action == AuditEvent.Action.PATIENT_EXPORTED
    assert event.actor == manager
    assert event.patient_id == patient.pk
    assert SECRET_NOTE not in event.summary
    assert "Ada" not in event.summary


def test_patient_export_without_permission_is_refused_and_not_audited():
    patient = PatientFactory()
    receptionist = _staff_with("view_patient")

    with pytest.raises(PermissionDenied):
        patient_export(patient=patient, acting_user=receptionist)

    assert AuditEvent.objects.count() == 0


def test_patient_export_lists_earlier_audit_events():
    patient = PatientFactory()
    manager = _staff_with("export_patient_data")
    patient_export(patient=patient, acting_user=manager)

    data = patient_export(patient=patient, acting_user=manager)

    assert [e["action"] for e in data["audit_trail"]] == ["patient_exported"]


def test_patient_anonymise_scrubs_rows_and_history_rows():
    patient = PatientFactory(full_name="Ada Lovelace", email="ada@example.com")
    patient.date_of_birth = datetime(1960, 5, 1, tzinfo=UTC).date()
    patient.save()
    past = _visit(patient, start=timezone.now() - timedelta(days=30))
    cancelled = _visit(
        patient,
        start=timezone.now() + timedelta(days=3),
        status=Appointment.Status.CANCELLED,
        cancellation_reason="my knee surgery moved",
    )
    OutboundMessageFactory(appointment=past, last_error="550 ada@example.com rejected")
    manager = _staff_with("anonymise_patient")

    patient_anonymise(patient=patient, acting_user=manager)

    stored = _every_stored_value(patient.pk, [past.pk, cancelled.pk])
    for secret in (
        "Ada",
        "Lovelace",
        "ada@example.com",
        "4135550199",
        "1960-05-01",
        SECRET_NOTE,
        SECRET_MEDICATION,
        "knee surgery",
    ):
        assert secret not in stored, secret
    patient.refresh_from_db()
    assert patient.anonymised_at is not None
    assert Appointment.objects.filter(patient=patient).count() == 2  # the schedule adds up
    assert Intake.objects.get(appointment=past).anonymised_at is not None


def test_patient_anonymise_is_audited():
    patient = PatientFactory(full_name="Ada Lovelace")
    _visit(patient, start=timezone.now() - timedelta(days=30))
    manager = _staff_with("anonymise_patient")

    patient_anonymise(patient=patient, acting_user=manager)

    [event] = AuditEvent.objects.all()
    assert event.action == AuditEvent.Action.PATIENT_ANONYMISED
    assert event.actor_label == manager.username
    assert event.patient_id == patient.pk
    assert "1 appointment(s), 1 intake(s)" in event.summary


def test_patient_anonymise_with_upcoming_open_visit_is_refused():
    patient = PatientFactory(full_name="Ada Lovelace")
    _visit(patient, start=timezone.now() + timedelta(days=2))
    manager = _staff_with("anonymise_patient")

    with pytest.raises(AnonymisationRefused, match="upcoming visits"):
        patient_anonymise(patient=patient, acting_user=manager)

    patient.refresh_from_db()
    assert patient.full_name == "Ada Lovelace"
    assert Intake.objects.get(appointment__patient=patient).note == SECRET_NOTE
    assert AuditEvent.objects.count() == 0


def test_patient_anonymise_within_record_retention_is_refused(settings):
    settings.PATIENT_RECORD_RETENTION_DAYS = 365
    patient = PatientFactory()
    _visit(patient, start=timezone.now() - timedelta(days=100))
    manager = _staff_with("anonymise_patient")

    with pytest.raises(AnonymisationRefused, match="365 days"):
        patient_anonymise(patient=patient, acting_user=manager)


def test_patient_anonymise_after_record_retention_is_allowed(settings):
    settings.PATIENT_RECORD_RETENTION_DAYS = 365
    patient = PatientFactory()
    _visit(patient, start=timezone.now() - timedelta(days=400))
    manager = _staff_with("anonymise_patient")

    patient_anonymise(patient=patient, acting_user=manager)

    patient.refresh_from_db()
    assert patient.anonymised_at is not None


def test_patient_anonymise_twice_is_refused():
    patient = PatientFactory()
    manager = _staff_with("anonymise_patient")
    patient_anonymise(patient=patient, acting_user=manager)

    with pytest.raises(AnonymisationRefused, match="already"):
        patient_anonymise(patient=patient, acting_user=manager)


def test_patient_anonymise_without_permission_is_refused():
    patient = PatientFactory(full_name="Ada Lovelace")
    exporter = _staff_with("export_patient_data")

    with pytest.raises(PermissionDenied):
        patient_anonymise(patient=patient, acting_user=exporter)

    patient.refresh_from_db()
    assert patient.full_name == "Ada Lovelace"


def test_patient_anonymise_skips_queued_emails():
    patient = PatientFactory()
    past = _visit(patient, start=timezone.now() - timedelta(days=3))
    message = OutboundMessageFactory(appointment=past, kind=OutboundMessage.Kind.QUESTIONNAIRE)
    manager = _staff_with("anonymise_patient")

    patient_anonymise(patient=patient, acting_user=manager)

    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SKIPPED


def _with_retention(days: int) -> None:
    profile = clinic_profile_get()
    profile.intake_retention_days = days
    profile.save()


def test_intakes_anonymise_expired_only_touches_visits_past_retention():
    _with_retention(30)
    now = timezone.now()
    old = _visit(PatientFactory(), start=now - timedelta(days=31))
    recent = _visit(PatientFactory(), start=now - timedelta(days=29))

    count = intakes_anonymise_expired(now=now)

    assert count == 1
    old_intake = Intake.objects.get(appointment=old)
    assert (old_intake.note, old_intake.current_medications, old_intake.joints) == ("", "", [])
    assert old_intake.pain_score is None
    assert old_intake.anonymised_at == now
    assert Intake.objects.get(appointment=recent).note == SECRET_NOTE
    stored = json.dumps(list(Intake.history.filter(appointment=old).values()), default=str)
    assert SECRET_NOTE not in stored
    assert SECRET_MEDICATION not in stored


def test_intakes_anonymise_expired_second_run_changes_nothing():
    _with_retention(30)
    now = timezone.now()
    _visit(PatientFactory(), start=now - timedelta(days=60))
    intakes_anonymise_expired(now=now)

    assert intakes_anonymise_expired(now=now + timedelta(hours=1)) == 0
    assert AuditEvent.objects.count() == 1


def test_intakes_anonymise_expired_audits_each_patient():
    _with_retention(30)
    now = timezone.now()
    patient = PatientFactory()
    _visit(patient, start=now - timedelta(days=60))
    _visit(patient, start=now - timedelta(days=50))
    other = _visit(PatientFactory(), start=now - timedelta(days=40))

    intakes_anonymise_expired(now=now)

    events = {e.patient_id: e for e in AuditEvent.objects.all()}
    assert set(events) == {patient.pk, other.patient_id}
    assert events[patient.pk].action == AuditEvent.Action.INTAKE_EXPIRED
    assert events[patient.pk].actor is None
    assert "2 intake(s)" in events[patient.pk].summary


def test_anonymise_expired_intakes_task_runs_the_service():
    _with_retention(1)
    visit = _visit(PatientFactory(), start=timezone.now() - timedelta(days=2))

    anonymise_expired_intakes.delay()

    assert Intake.objects.get(appointment=visit).note == ""


def test_anonymise_expired_intakes_command_reports_count(capsys):
    _with_retention(1)
    _visit(PatientFactory(), start=timezone.now() - timedelta(days=2))

    call_command("anonymise_expired_intakes")

    assert "Anonymised 1 intake(s)." in capsys.readouterr().out


def test_anonymise_expired_intakes_runs_daily_on_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["anonymise-expired-intakes"]
    assert entry["task"] == "booking.tasks.anonymise_expired_intakes"
    assert entry["schedule"] == timedelta(days=1)


def test_patient_export_command_writes_private_json_file(tmp_path):
    patient = PatientFactory(full_name="Ada Lovelace")
    manager = _staff_with("export_patient_data")
    target = tmp_path / "export.json"

    call_command("patient_export", str(patient.pk), "--as", manager.username, "-o", str(target))

    assert json.loads(target.read_text())["patient"]["full_name"] == "Ada Lovelace"
    assert target.stat().st_mode & 0o077 == 0
    assert AuditEvent.objects.filter(patient_id=patient.pk).count() == 1
