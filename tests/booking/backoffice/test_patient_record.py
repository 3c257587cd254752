"""The short booking reference, the front desk's patient search, and the patient record with
its duplicates and merge."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.backoffice.roles import EDITOR
from booking.interface import patient_record_section_register
from booking.models import (
    Appointment,
    OutboundMessage,
    Patient,
    PatientDuplicateFlag,
    WaitlistEntry,
)
from booking.models.appointments import SHORT_REFERENCE_ALPHABET, new_short_reference
from booking.patients.identity import ContactDetails, patient_get_or_create
from booking.patients.record_sections import _SECTIONS
from tests.booking.backoffice.conftest import at
from tests.factories import (
    AppointmentFactory,
    IntakeFactory,
    PatientFactory,
    StaffUserFactory,
    WaitlistEntryFactory,
    next_weekday,
)

pytestmark = pytest.mark.django_db


def test_short_reference_is_eight_readable_characters():
    codes = {new_short_reference() for _ in range(500)}
    assert len(codes) == 500
    assert all(len(c) == 8 and set(c) <= set(SHORT_REFERENCE_ALPHABET) for c in codes)
    assert not set("01OILUS5") & set(SHORT_REFERENCE_ALPHABET)


def test_every_appointment_gets_a_unique_short_reference(frontdesk):
    a = AppointmentFactory(
        consultation_type=frontdesk["short"],
        practitioner=frontdesk["patel"],
        start=at(next_weekday(1), 9),
    )
    b = AppointmentFactory(
        consultation_type=frontdesk["short"],
        practitioner=frontdesk["patel"],
        start=at(next_weekday(1), 10),
    )
    assert len(a.short_reference) == 8
    assert a.short_reference != b.short_reference


def _search(client, q, **headers):
    return client.get(reverse("admin:booking_patient_search"), {"q": q}, headers=headers)


@pytest.fixture
def maria(frontdesk):
    patient = PatientFactory(
        full_name="Maria Gomez", phone="+14135550101", date_of_birth=date(1960, 3, 4)
    )
    visit = AppointmentFactory(
        consultation_type=frontdesk["short"],
        practitioner=frontdesk["patel"],
        patient=patient,
        start=at(next_weekday(1), 9),
    )
    PatientFactory(full_name="James Miller", phone="+14135550999")
    return patient, visit


@pytest.mark.parametrize(
    "query",
    [
        "Maria Gomez",
        "gomez",
        "maria GOMEZ",
        "413 555 0101",
        "(413) 555-0101",
        "+14135550101",
        "1960-03-04",
        "3/4/1960",
    ],
)
def test_search_finds_by_name_phone_and_birth_date_and_opens_the_record(
    client, frontdesk, maria, query
):
    patient, _ = maria
    client.force_login(frontdesk["reception"])
    response = _search(client, query)
    assert response.status_code == 302
    assert response.url == reverse("admin:booking_patient_record", args=[patient.pk])


def test_search_by_short_reference_however_typed(client, frontdesk, maria):
    patient, visit = maria
    client.force_login(frontdesk["reception"])
    code = visit.short_reference
    for typed in (code, code.lower(), f"{code[:4]}-{code[4:]}", f" {code[:4]} {code[4:]} "):
        response = _search(client, typed)
        assert response.url == reverse("admin:booking_patient_record", args=[patient.pk])


def test_search_with_htmx_answers_the_list_alone(client, frontdesk, maria):
    client.force_login(frontdesk["reception"])
    body = _search(client, "Gomez", **{"HX-Request": "true"}).content.decode()
    assert "<html" not in body
    assert "Maria Gomez" in body
    body = _search(client, "nobody-here").content.decode()
    assert "No patient found" in body


@pytest.mark.parametrize(
    "query", ["", "x", "٣/٤/١٩٦٠", "31/31/2020", "0000-00-00", "%", "a" * 500, "\x00"]
)
def test_search_with_odd_input_is_an_empty_answer(client, frontdesk, maria, query):
    client.force_login(frontdesk["reception"])
    assert _search(client, query).status_code == 200


def test_clinician_finds_only_their_own_patients(client, frontdesk, maria):
    client.force_login(frontdesk["okafor_user"])
    assert "No patient found" in _search(client, "Gomez").content.decode()
    patient, _ = maria
    url = reverse("admin:booking_patient_record", args=[patient.pk])
    assert client.get(url).status_code == 404
    client.force_login(frontdesk["patel_user"])
    assert client.get(url).status_code == 200


def test_record_shows_visits_no_shows_late_cancellations_and_messages(client, frontdesk, maria):
    patient, visit = maria
    past = timezone.now() - timedelta(days=10)
    AppointmentFactory(
        consultation_type=frontdesk["short"],
        practitioner=frontdesk["patel"],
        patient=patient,
        start=past,
        status=Appointment.Status.NO_SHOW,
    )
    AppointmentFactory(
        consultation_type=frontdesk["short"],
        practitioner=frontdesk["patel"],
        patient=patient,
        start=past + timedelta(days=1),
        status=Appointment.Status.CANCELLED,
        cancelled_at=past + timedelta(days=1) - timedelta(hours=2),
    )
    AppointmentFactory(
        consultation_type=frontdesk["short"],
        practitioner=frontdesk["patel"],
        patient=patient,
        start=past + timedelta(days=2),
        status=Appointment.Status.CANCELLED,
        cancelled_at=past - timedelta(days=5),
    )
    OutboundMessage.objects.create(
        patient=patient,
        appointment=visit,
        kind=OutboundMessage.Kind.CONFIRMATION,
        scheduled_for=timezone.now(),
    )
    client.force_login(frontdesk["reception"])
    response = client.get(reverse("admin:booking_patient_record", args=[patient.pk]))
    body = response.content.decode()
    assert response.context["record"].no_shows == 1
    assert response.context["record"].late_cancellations == 1
    assert visit.short_reference in body
    assert "Booking confirmation" in body
    assert body.count("Cancelled") >= 2


def test_intake_on_the_record_for_health_roles_only(client, frontdesk, maria):
    patient, visit = maria
    visit.intake.delete()
    IntakeFactory(appointment=visit, joints=["knee"], pain_score=7, note="Stairs hurt")
    url = reverse("admin:booking_patient_record", args=[patient.pk])
    for user, sees in [
        (frontdesk["patel_user"], True),
        (frontdesk["manager"], True),
        (frontdesk["reception"], False),
    ]:
        client.force_login(user)
        body = client.get(url).content.decode()
        assert ("Stairs hurt" in body) is sees
        assert ("7/10" in body) is sees


def test_duplicates_flagged_and_merged_from_the_record_after_a_confirmation(client, frontdesk):
    details = {"email": "", "phone": "+14135550101", "date_of_birth": date(1960, 3, 4)}
    first = patient_get_or_create(contact=ContactDetails(full_name="Maria Gomez", **details))
    second = patient_get_or_create(
        contact=ContactDetails(
            full_name="Maria Gómez-Ruiz", **{**details, "email": "maria@example.com"}
        )
    )
    assert PatientDuplicateFlag.objects.filter(patient=second, other=first).exists()
    AppointmentFactory(
        consultation_type=frontdesk["short"],
        practitioner=frontdesk["patel"],
        patient=second,
        start=at(next_weekday(1), 9),
    )
    WaitlistEntryFactory(patient=second, consultation_type=frontdesk["short"])
    client.force_login(frontdesk["reception"])
    url = reverse("admin:booking_patient_record", args=[first.pk])
    body = client.get(url).content.decode()
    assert "Possibly the same person" in body
    assert "Maria Gómez-Ruiz" in body
    merge_url = reverse("admin:booking_patient_merge_into", args=[first.pk])
    assert f"{merge_url}?duplicate={second.pk}" in body  # a link to the confirmation, not a POST

    confirm = client.get(merge_url, {"duplicate": second.pk})
    page = confirm.content.decode()
    assert confirm.status_code == 200
    assert Patient.objects.filter(pk=second.pk).exists()  # looking merges nothing
    assert f"Kept: record {first.pk}" in page
    assert f"Merged in, then removed: record {second.pk}" in page
    rows = {label: (kept, moved) for label, kept, moved in confirm.context["preview"].moves}
    assert rows["Visits"] == (0, 1)
    assert rows["Waitlist entries"] == (0, 1)
    assert rows["Care plans"] == (0, 0)  # care's contributor counts its own
    assert "Email: maria@example.com" in page  # the detail the kept record takes
    assert 'name="confirm" value="merge"' in page
    # A POST without the confirm button (an old form, a replay) shows the same page.
    unconfirmed = client.post(merge_url, {"duplicate": second.pk})
    assert unconfirmed.status_code == 200
    assert Patient.objects.filter(pk=second.pk).exists()

    response = client.post(merge_url, {"duplicate": second.pk, "confirm": "merge"})
    assert response.url == url
    assert not Patient.objects.filter(pk=second.pk).exists()
    assert Appointment.objects.get().patient == first
    assert WaitlistEntry.objects.get().patient == first
    first.refresh_from_db()
    assert first.email == "maria@example.com"
    assert "Possibly the same person" not in client.get(url).content.decode()
    # The duplicate is gone: its confirmation page and a second POST are 404s.
    assert client.get(merge_url, {"duplicate": second.pk}).status_code == 404
    assert client.post(merge_url, {"duplicate": second.pk, "confirm": "merge"}).status_code == 404


def test_merge_needs_the_permission_and_a_valid_other_record(client, frontdesk, maria):
    patient, _ = maria
    other = PatientFactory()
    url = reverse("admin:booking_patient_merge_into", args=[patient.pk])
    for user in ("patel_user", "okafor_user"):
        client.force_login(frontdesk[user])
        assert client.get(url, {"duplicate": other.pk}).status_code == 403
        assert client.post(url, {"duplicate": other.pk, "confirm": "merge"}).status_code == 403
    client.force_login(StaffUserFactory(role=EDITOR))
    assert client.get(url, {"duplicate": other.pk}).status_code == 403
    for user in ("reception", "manager"):
        client.force_login(frontdesk[user])
        assert client.get(url, {"duplicate": other.pk}).status_code == 200
        assert client.put(url).status_code == 405
        for bad in ("", "x", "٣", "999999", "-1", str(patient.pk)):
            assert client.get(url, {"duplicate": bad}).status_code == 404
            confirmed = {"duplicate": bad, "confirm": "merge"}
            assert client.post(url, confirmed).status_code == 404
        for bad_keep in ("999999", "x"):
            bad_url = reverse("admin:booking_patient_merge_into", args=[bad_keep])
            assert client.get(bad_url, {"duplicate": other.pk}).status_code == 404
            assert (
                client.post(bad_url, {"duplicate": other.pk, "confirm": "merge"}).status_code == 404
            )
    Patient.objects.filter(pk=other.pk).update(anonymised_at=timezone.now())
    assert client.get(url, {"duplicate": other.pk}).status_code == 404
    assert Patient.objects.count() == 3  # nothing merged


@pytest.mark.parametrize("visits", [1, 20])
def test_merge_confirmation_queries_are_fixed(
    client, frontdesk, maria, django_assert_max_num_queries, visits
):
    patient, _ = maria
    other = PatientFactory()
    for n in range(visits):
        AppointmentFactory(
            consultation_type=frontdesk["short"],
            practitioner=frontdesk["okafor"],
            patient=other,
            start=at(next_weekday(2), 9) + timedelta(days=7 * n),
        )
        WaitlistEntryFactory(patient=other, consultation_type=frontdesk["short"])
    client.force_login(frontdesk["reception"])
    url = reverse("admin:booking_patient_merge_into", args=[patient.pk])
    client.get(url, {"duplicate": other.pk})
    with django_assert_max_num_queries(12):
        assert client.get(url, {"duplicate": other.pk}).status_code == 200


def test_other_apps_add_sections_to_the_record(client, frontdesk, maria, settings):
    patient, _ = maria
    settings.TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = ""
    patient_record_section_register(
        key="test-waitlist",
        title="Waitlist",
        render=lambda request, p: (
            "admin/booking/_search_results.html",
            {"searched": True, "results": [p], "query": ""},
        ),
        visible=lambda user, p: user.has_perm("booking.view_all_schedules"),
    )
    try:
        url = reverse("admin:booking_patient_record", args=[patient.pk])
        client.force_login(frontdesk["reception"])
        assert 'id="section-test-waitlist"' in client.get(url).content.decode()
        client.force_login(frontdesk["patel_user"])
        assert 'id="section-test-waitlist"' not in client.get(url).content.decode()
    finally:
        _SECTIONS.pop("test-waitlist")


@pytest.mark.parametrize("bad", ["x", "٣", "999999"])
def test_record_of_an_unknown_patient_is_404(client, frontdesk, bad):
    client.force_login(frontdesk["reception"])
    assert client.get(f"/admin/booking/patient/{bad}/record/").status_code == 404


def test_resend_the_private_link_from_the_record(client, frontdesk, maria):
    patient, visit = maria
    url = reverse("admin:booking_patient_record", args=[patient.pk])
    client.force_login(frontdesk["reception"])
    assert "Revoke and re-send" in client.get(url).content.decode()
    response = client.post(
        reverse("admin:booking_appointment_link_resend", args=[visit.pk]), {"next": url}
    )
    visit.refresh_from_db()
    assert response.url == url
    assert visit.manage_token_version == 1
    client.force_login(frontdesk["patel_user"])
    assert "Revoke and re-send" not in client.get(url).content.decode()


def test_a_long_history_shows_the_latest_past_visits_and_links_to_all(client, frontdesk):
    patient = PatientFactory()
    first = timezone.now() - timedelta(days=400)
    for week in range(30):
        AppointmentFactory(
            patient=patient,
            consultation_type=frontdesk["short"],
            practitioner=frontdesk["patel"],
            start=first + timedelta(weeks=week),
            status=Appointment.Status.COMPLETED,
        )
    client.force_login(frontdesk["reception"])
    url = reverse("admin:booking_patient_record", args=[patient.pk])
    page = client.get(url).content.decode()
    assert page.count('<tr class="status-completed">') == 25
    assert "Show all 30 past and cancelled visits" in page
    everything = client.get(url, {"past": "all"}).content.decode()
    assert everything.count('<tr class="status-completed">') == 30
    assert "Show all" not in everything
