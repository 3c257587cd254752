"""Patient data rights and the email ledger in the back office, as HTTP requests."""

import html
import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.backoffice.roles import CLINICIAN, MANAGER, RECEPTION
from booking.models import Appointment, AuditEvent, OutboundMessage, Patient
from tests.factories import (
    AppointmentFactory,
    OutboundMessageFactory,
    PatientFactory,
    StaffUserFactory,
    WaitlistOfferFactory,
    next_weekday_at,
)

pytestmark = pytest.mark.django_db

SECRET_NOTE = "right hip worse on stairs since fall"


@pytest.fixture
def manager():
    return StaffUserFactory(username="manager", role=MANAGER)


@pytest.fixture
def reception():
    return StaffUserFactory(username="reception", role=RECEPTION)


@pytest.fixture
def past_patient():
    """A patient whose only visit is over: nothing stops anonymisation (no retention period)."""
    appointment = AppointmentFactory(
        start=timezone.now() - timedelta(days=40), status=Appointment.Status.COMPLETED
    )
    appointment.intake.note = SECRET_NOTE
    appointment.intake.save()
    return appointment.patient


def _export_url(patient: Patient) -> str:
    return reverse("admin:booking_patient_export", args=[patient.pk])


def _anonymise_url(patient: Patient) -> str:
    return reverse("admin:booking_patient_anonymise", args=[patient.pk])


def test_patient_export_downloads_json_attachment_not_cached(client, manager, past_patient):
    client.force_login(manager)

    response = client.post(_export_url(past_patient))

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="patient-{past_patient.pk}-export.json"'
    )
    assert "no-store" in response["Cache-Control"].split(", ")
    data = json.loads(response.content)
    assert data["patient"]["id"] == past_patient.pk
    assert data["appointments"][0]["intake"]["note"] == SECRET_NOTE
    assert AuditEvent.objects.get().action == AuditEvent.Action.PATIENT_EXPORTED


def test_patient_export_by_get_is_refused_and_not_audited(client, manager, past_patient):
    client.force_login(manager)

    response = client.get(_export_url(past_patient))

    assert response.status_code == 405
    assert AuditEvent.objects.count() == 0


def test_patient_export_of_unknown_or_malformed_id_is_404(client, manager):
    client.force_login(manager)

    statuses = [
        client.post(reverse("admin:booking_patient_export", args=[raw])).status_code
        for raw in ["999999", "abc", "-1", "9" * 40]
    ]

    assert statuses == [404, 404, 404, 404]


@pytest.mark.parametrize("url_name", ["export", "anonymise"])
def test_reception_cannot_export_or_anonymise(client, reception, past_patient, url_name):
    client.force_login(reception)

    response = client.post(reverse(f"admin:booking_patient_{url_name}", args=[past_patient.pk]))

    assert response.status_code == 403
    assert AuditEvent.objects.count() == 0
    assert Patient.objects.get(pk=past_patient.pk).anonymised_at is None


def test_patient_page_offers_data_rights_buttons_to_manager_only(
    client, manager, reception, past_patient
):
    change_url = reverse("admin:booking_patient_change", args=[past_patient.pk])
    client.force_login(manager)
    manager_page = client.get(change_url).content.decode()
    client.force_login(reception)
    reception_page = client.get(change_url).content.decode()

    assert _export_url(past_patient) in manager_page
    assert _anonymise_url(past_patient) in manager_page
    assert _export_url(past_patient) not in reception_page
    assert _anonymise_url(past_patient) not in reception_page


def test_anonymise_asks_for_confirmation_before_changing_anything(client, manager, past_patient):
    client.force_login(manager)

    response = client.get(_anonymise_url(past_patient))

    assert response.status_code == 200
    assert b'id="anonymise-confirm"' in response.content
    assert Patient.objects.get(pk=past_patient.pk).anonymised_at is None


def test_anonymise_confirmed_blanks_the_patient_and_audits(client, manager, past_patient):
    client.force_login(manager)

    response = client.post(_anonymise_url(past_patient))

    assert response.status_code == 302
    patient = Patient.objects.get(pk=past_patient.pk)
    assert (patient.full_name, patient.email) == (f"Anonymised patient {patient.pk}", "")
    assert patient.anonymised_at is not None
    assert AuditEvent.objects.get().action == AuditEvent.Action.PATIENT_ANONYMISED


def test_anonymise_refused_shows_the_reason_and_changes_nothing(client, manager):
    upcoming = AppointmentFactory(start=next_weekday_at(10))
    client.force_login(manager)

    page = client.get(_anonymise_url(upcoming.patient))
    posted = client.post(_anonymise_url(upcoming.patient))

    assert page.status_code == 200
    assert b"upcoming visits" in page.content
    assert b'id="anonymise-confirm"' not in page.content
    assert posted.status_code == 409
    assert Patient.objects.get(pk=upcoming.patient.pk).anonymised_at is None
    assert AuditEvent.objects.count() == 0


def test_anonymise_refused_within_retention_period(client, manager, past_patient, settings):
    settings.PATIENT_RECORD_RETENTION_DAYS = 365 * 7
    client.force_login(manager)

    response = client.post(_anonymise_url(past_patient))

    assert response.status_code == 409
    assert b"must keep this patient" in response.content
    assert Patient.objects.get(pk=past_patient.pk).anonymised_at is None


def test_audit_event_admin_is_read_only_for_manager(client, manager, past_patient):
    client.force_login(manager)
    client.post(_export_url(past_patient))
    event = AuditEvent.objects.get()

    listing = client.get(reverse("admin:booking_auditevent_changelist"))
    add = client.get(reverse("admin:booking_auditevent_add"))
    change_post = client.post(
        reverse("admin:booking_auditevent_change", args=[event.pk]), {"summary": "edited"}
    )
    delete = client.post(reverse("admin:booking_auditevent_delete", args=[event.pk]))
    search = client.get(reverse("admin:booking_auditevent_changelist"), {"q": "x\u00e9"})

    assert listing.status_code == 200
    assert (add.status_code, delete.status_code) == (403, 403)
    assert change_post.status_code == 403
    assert search.status_code == 200
    assert AuditEvent.objects.get().summary == event.summary


@pytest.mark.parametrize("count", [1, 30])
def test_audit_event_list_runs_in_fixed_queries(
    client, manager, django_assert_max_num_queries, count
):
    for _ in range(count):
        AuditEvent.objects.create(action="patient_exported", actor_label="x", summary="s")
    client.force_login(manager)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("admin:booking_auditevent_changelist"))
    assert response.status_code == 200


# --- Email ledger ---------------------------------------------------------------------------


@pytest.fixture
def failed_message():
    return OutboundMessageFactory(
        appointment__start=next_weekday_at(10), status="failed", attempts=8, last_error="554 no"
    )


def test_failed_filter_lists_only_failed_messages(client, reception, failed_message):
    OutboundMessageFactory(appointment=failed_message.appointment, status="sent")
    client.force_login(reception)

    response = client.get(
        reverse("admin:booking_outboundmessage_changelist"), {"status__exact": "failed"}
    )

    assert response.status_code == 200
    assert [m.pk for m in response.context["cl"].result_list] == [failed_message.pk]


def test_the_ledger_lists_rows_about_other_subjects_than_a_visit(client, reception):
    """A waitlist offer's email and a care consent copy have no appointment: the list names
    what each is about instead of failing."""
    patient = PatientFactory()
    offer = WaitlistOfferFactory(entry__patient=patient)
    OutboundMessage.objects.create(
        patient=patient, waitlist_offer=offer, kind="waitlist_offer", scheduled_for=timezone.now()
    )
    OutboundMessage.objects.create(
        patient=patient, kind="care_consent_copy", scheduled_for=timezone.now()
    )
    client.force_login(reception)

    response = client.get(reverse("admin:booking_outboundmessage_changelist"))

    assert response.status_code == 200
    body = response.content.decode()
    assert f"waitlist offer {offer.pk}" in body
    assert f"patient {patient.pk}" in body


def test_resend_action_delivers_failed_message(
    client, reception, failed_message, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(reception)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:booking_outboundmessage_changelist"),
            {"action": "resend", "_selected_action": [failed_message.pk]},
        )

    assert response.status_code == 302
    failed_message.refresh_from_db()
    assert (failed_message.status, failed_message.resent_by) == ("sent", reception)
    assert len(mailoutbox) == 1


def test_resend_action_goes_back_to_pending_until_commit(client, reception, failed_message):
    client.force_login(reception)

    client.post(
        reverse("admin:booking_outboundmessage_changelist"),
        {"action": "resend", "_selected_action": [failed_message.pk]},
    )

    failed_message.refresh_from_db()
    assert (failed_message.status, failed_message.attempts) == ("pending", 0)


def test_appointment_page_shows_failed_message_with_resend_button(
    client, reception, failed_message
):
    client.force_login(reception)

    response = client.get(
        reverse("admin:booking_appointment_change", args=[failed_message.appointment_id])
    )

    resend_url = reverse(
        "admin:booking_appointment_message_resend", args=[failed_message.appointment_id]
    )
    assert b'id="failed-messages"' in response.content
    assert f'formaction="{resend_url}"'.encode() in response.content


def test_appointment_page_resend_button_delivers(
    client, reception, failed_message, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(reception)
    url = reverse("admin:booking_appointment_message_resend", args=[failed_message.appointment_id])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"message": failed_message.pk})

    assert response.status_code == 302
    failed_message.refresh_from_db()
    assert failed_message.status == "sent"
    assert len(mailoutbox) == 1


def test_appointment_page_resend_refuses_foreign_or_bad_message(client, reception, failed_message):
    other = OutboundMessageFactory(appointment__start=next_weekday_at(11), status="failed")
    client.force_login(reception)
    url = reverse("admin:booking_appointment_message_resend", args=[failed_message.appointment_id])

    statuses = [
        client.post(url, {"message": other.pk}).status_code,
        client.post(url, {"message": "abc"}).status_code,
        client.post(url, {}).status_code,
        client.get(url).status_code,
    ]

    assert statuses == [404, 404, 404, 405]
    assert OutboundMessage.objects.filter(status="failed").count() == 2


def test_clinician_cannot_resend_from_appointment_page(client, failed_message):
    clinician = StaffUserFactory(username="clin", role=CLINICIAN)
    client.force_login(clinician)
    url = reverse("admin:booking_appointment_message_resend", args=[failed_message.appointment_id])

    response = client.post(url, {"message": failed_message.pk})

    assert response.status_code == 403


def test_day_view_warns_about_failed_messages_with_a_link(client, reception, failed_message):
    client.force_login(reception)

    response = client.get(reverse("admin:booking_schedule_day"))

    assert b'id="failed-messages-warning"' in response.content
    assert b"status__exact=failed" in response.content


def test_day_view_counts_the_last_two_weeks_failures_and_links_to_them(
    client, reception, failed_message
):
    """The warning stays a bounded count as the ledger grows: older failures are left to the
    ledger's own list."""
    old = OutboundMessageFactory(
        appointment=failed_message.appointment,
        kind=OutboundMessage.Kind.REMINDER,
        status="failed",
        scheduled_for=timezone.now() - timedelta(days=40),
    )
    client.force_login(reception)

    page = client.get(reverse("admin:booking_schedule_day"))
    link = re.search(rb'id="failed-messages-warning">([^<]*)<a href="([^"]+)"', page.content)
    listed = client.get(html.unescape(link.group(2).decode()))

    assert link.group(1) == b"1 message failed to send in the last 14 days. "
    assert listed.status_code == 200
    assert [m.pk for m in listed.context["cl"].result_list] == [failed_message.pk]
    assert old.pk not in [m.pk for m in listed.context["cl"].result_list]


def test_day_view_has_no_warning_without_failed_messages(client, reception):
    client.force_login(reception)

    response = client.get(reverse("admin:booking_schedule_day"))

    assert b'id="failed-messages-warning"' not in response.content
