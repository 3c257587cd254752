"""Staff writes through the admin: phone booking, moving, disruption bulk-cancel, merge, CSV."""

import csv
import io
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.backoffice.roles import MANAGER, RECEPTION
from booking.models import Appointment, OutboundMessage, Patient
from booking.patients.identity import ContactDetails
from booking.scheduling.booking import appointment_book
from booking.scheduling.changes import appointment_set_status
from booking.scheduling.clock import clinic_zone
from booking.scheduling.errors import SlotUnavailable
from tests.factories import (
    AppointmentFactory,
    ClinicClosureFactory,
    ConsultationTypeFactory,
    PatientFactory,
    PractitionerFactory,
    StaffUserFactory,
    TimeOffFactory,
    next_weekday,
)

pytestmark = pytest.mark.django_db

Kind = OutboundMessage.Kind


def _at(day, hour, minute=0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=clinic_zone())


@pytest.fixture
def clinic():
    # A type with a week's notice: staff may book inside it, patients may not.
    ctype = ConsultationTypeFactory(duration_minutes=30, min_notice_minutes=7 * 24 * 60)
    patel = PractitionerFactory(display_name="Dr. Patel", consultation_types=[ctype])
    okafor = PractitionerFactory(display_name="Dr. Okafor", consultation_types=[ctype])
    reception = StaffUserFactory(username="rosa", role=RECEPTION)
    return {"ctype": ctype, "patel": patel, "okafor": okafor, "reception": reception}


def _book_data(clinic, day, start, **extra):
    return {
        "consultation_type": clinic["ctype"].pk,
        "practitioner": clinic["patel"].pk,
        "day": day.isoformat(),
        "start": start.isoformat(),
        "full_name": "Maria Gomez",
        "email": "maria@example.com",
        "phone": "+14135550101",
        "reminders_enabled": "on",
        "joints": ["knee"],
        "privacy_read_out": "on",
        **extra,
    }


def test_book_page_offers_free_times_inside_the_patient_notice(client, clinic):
    day = next_weekday(1)  # within the type's week of notice
    client.force_login(clinic["reception"])
    response = client.get(
        reverse("admin:booking_appointment_book"),
        {
            "consultation_type": clinic["ctype"].pk,
            "practitioner": clinic["patel"].pk,
            "day": day.isoformat(),
        },
    )
    values = [value for value, _ in response.context["choices"]]
    assert _at(day, 9).isoformat() in values
    assert 'name="full_name"' in response.content.decode()


def test_reception_books_a_phone_appointment_through_the_service(client, clinic):
    day = next_weekday(1)
    client.force_login(clinic["reception"])
    response = client.post(
        reverse("admin:booking_appointment_book"), _book_data(clinic, day, _at(day, 10))
    )
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:booking_appointment_change", args=[appointment.pk])
    assert appointment.source == Appointment.Source.PHONE
    assert appointment.booked_by == clinic["reception"]
    assert appointment.status == Appointment.Status.CONFIRMED
    assert appointment.start == _at(day, 10)
    assert appointment.patient.email == "maria@example.com"
    assert (
        OutboundMessage.objects.filter(appointment=appointment, kind=Kind.CONFIRMATION).count() == 1
    )


def test_staff_booking_over_another_appointment_is_refused_with_a_form_error(client, clinic):
    day = next_weekday(1)
    AppointmentFactory(
        consultation_type=clinic["ctype"], practitioner=clinic["patel"], start=_at(day, 10)
    )
    client.force_login(clinic["reception"])
    response = client.post(
        reverse("admin:booking_appointment_book"), _book_data(clinic, day, _at(day, 10))
    )
    assert response.status_code == 200
    assert response.context["form"].errors["start"]
    assert Appointment.objects.count() == 1
    body = response.content.decode()
    assert 'value="Maria Gomez"' in body  # what the user typed is kept


def test_database_refuses_an_overlap_the_form_did_not_see(clinic):
    """Two staff members pick the same time: the second gets SlotUnavailable, not a double."""
    day = next_weekday(1)
    contact = ContactDetails(full_name="A", email="a@example.com")
    kwargs = {
        "consultation_type": clinic["ctype"],
        "start": _at(day, 9),
        "practitioner": clinic["patel"],
        "source": Appointment.Source.PHONE,
        "apply_patient_rules": False,
    }
    appointment_book(contact=contact, **kwargs)
    with pytest.raises(SlotUnavailable):
        appointment_book(contact=ContactDetails(full_name="B", email="b@example.com"), **kwargs)


def test_book_form_with_bad_input_shows_errors_not_a_500(client, clinic):
    day = next_weekday(1)
    client.force_login(clinic["reception"])
    response = client.post(
        reverse("admin:booking_appointment_book"),
        {**_book_data(clinic, day, _at(day, 10)), "email": "not-an-email", "start": "garbage"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "email" in errors
    assert "start" in errors
    assert Appointment.objects.count() == 0


def test_book_form_refuses_a_past_day(client, clinic):
    client.force_login(clinic["reception"])
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.get(
        reverse("admin:booking_appointment_book"),
        {"consultation_type": clinic["ctype"].pk, "day": yesterday.isoformat()},
    )
    assert response.status_code == 200
    assert "today or a later date" in response.content.decode()


def test_move_reschedules_through_the_service_and_notifies_once(client, clinic):
    day = next_weekday(1)
    appointment = AppointmentFactory(
        consultation_type=clinic["ctype"], practitioner=clinic["patel"], start=_at(day, 10)
    )
    client.force_login(clinic["reception"])
    url = reverse("admin:booking_appointment_move", args=[appointment.pk])
    response = client.post(
        url,
        {
            "practitioner": clinic["okafor"].pk,
            "day": day.isoformat(),
            "start": _at(day, 14).isoformat(),
        },
    )
    appointment.refresh_from_db()
    assert response.status_code == 302, response.context["form"].errors
    assert appointment.practitioner == clinic["okafor"]
    assert appointment.start == _at(day, 14)
    assert (
        OutboundMessage.objects.filter(appointment=appointment, kind=Kind.RESCHEDULED).count() == 1
    )
    assert appointment.history.filter(history_change_reason="Rescheduled").exists()


def test_time_off_over_booked_visits_leads_to_the_disruption_page(client, clinic):
    day = next_weekday(2)
    appointment = AppointmentFactory(
        consultation_type=clinic["ctype"],
        practitioner=clinic["patel"],
        start=_at(day, 10),
        patient__full_name="James Miller",
    )
    client.force_login(clinic["reception"])
    response = client.post(
        reverse("admin:booking_timeoff_add"),
        {
            "practitioner": clinic["patel"].pk,
            "start_0": day.isoformat(),
            "start_1": "00:00",
            "end_0": (day + timedelta(days=1)).isoformat(),
            "end_1": "00:00",
            "reason": "Sick",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0].startswith(
        reverse("admin:booking_appointment_disruption")
    )
    assert response.context["affected"] == [appointment]
    body = response.content.decode()
    assert "James Miller" in body
    assert reverse("admin:booking_appointment_move", args=[appointment.pk]) in body


def test_time_off_with_end_before_start_is_a_form_error(client, clinic):
    day = next_weekday(2)
    client.force_login(clinic["reception"])
    response = client.post(
        reverse("admin:booking_timeoff_add"),
        {
            "practitioner": clinic["patel"].pk,
            "start_0": day.isoformat(),
            "start_1": "12:00",
            "end_0": day.isoformat(),
            "end_1": "09:00",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors


def test_bulk_cancel_notifies_each_patient_once(client, clinic):
    day = next_weekday(3)
    closure = ClinicClosureFactory(name="Storm", start_date=day, end_date=day)
    visits = [
        AppointmentFactory(
            consultation_type=clinic["ctype"], practitioner=practitioner, start=_at(day, hour)
        )
        for practitioner, hour in [
            (clinic["patel"], 9),
            (clinic["patel"], 11),
            (clinic["okafor"], 9),
        ]
    ]
    other_day = AppointmentFactory(
        consultation_type=clinic["ctype"],
        practitioner=clinic["patel"],
        start=_at(day + timedelta(days=1), 9),
    )
    client.force_login(clinic["reception"])
    url = reverse("admin:booking_appointment_disruption") + f"?closure={closure.pk}"
    data = {"appointments": [v.pk for v in visits], "reason": "Closed for the storm"}
    client.post(url, data)
    client.post(url, data)  # a double submit changes nothing and notifies nobody again

    for visit in visits:
        visit.refresh_from_db()
        assert visit.status == Appointment.Status.CANCELLED
        assert visit.cancellation_reason == "Closed for the storm"
        assert OutboundMessage.objects.filter(appointment=visit, kind=Kind.CANCELLED).count() == 1
    other_day.refresh_from_db()
    assert other_day.status == Appointment.Status.CONFIRMED


def test_disruption_page_without_a_source_is_a_404(client, clinic):
    client.force_login(clinic["reception"])
    assert client.get(reverse("admin:booking_appointment_disruption")).status_code == 404
    assert (
        client.get(reverse("admin:booking_appointment_disruption") + "?time_off=999").status_code
        == 404
    )


def test_disruption_lists_only_the_practitioners_overlapping_open_visits(clinic):
    from booking.scheduling.disruptions import appointments_disrupted_by_time_off

    day = next_weekday(1)
    hit = AppointmentFactory(
        consultation_type=clinic["ctype"], practitioner=clinic["patel"], start=_at(day, 13)
    )
    AppointmentFactory(
        consultation_type=clinic["ctype"], practitioner=clinic["okafor"], start=_at(day, 13)
    )
    AppointmentFactory(
        consultation_type=clinic["ctype"],
        practitioner=clinic["patel"],
        start=_at(day, 14),
        status=Appointment.Status.CANCELLED,
    )
    time_off = TimeOffFactory(practitioner=clinic["patel"], start=_at(day, 12), end=_at(day, 15))
    assert appointments_disrupted_by_time_off(time_off=time_off) == [hit]


def test_cancel_action_asks_first_then_notifies_the_patient(client, clinic):
    appointment = AppointmentFactory(
        consultation_type=clinic["ctype"],
        practitioner=clinic["patel"],
        start=_at(next_weekday(1), 9),
    )
    client.force_login(clinic["reception"])
    url = reverse("admin:booking_appointment_changelist")
    data = {"action": "cancel_and_notify", "_selected_action": [appointment.pk], "index": 0}
    ask = client.post(url, data)
    appointment.refresh_from_db()
    assert "cannot be undone" in ask.content.decode()
    assert appointment.status == Appointment.Status.CONFIRMED  # nothing happens before "yes"
    client.post(url, {**data, "confirm_cancel": "1", "reason": "Doctor ill"})
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancellation_reason == "Doctor ill"
    assert OutboundMessage.objects.filter(appointment=appointment, kind=Kind.CANCELLED).count() == 1


def test_confirm_action_confirms_a_request_and_refuses_impossible_changes(client, clinic):
    request = AppointmentFactory(
        consultation_type=clinic["ctype"],
        practitioner=clinic["patel"],
        start=_at(next_weekday(1), 9),
        status=Appointment.Status.REQUESTED,
    )
    done = AppointmentFactory(
        consultation_type=clinic["ctype"],
        practitioner=clinic["patel"],
        start=_at(next_weekday(1), 11),
        status=Appointment.Status.COMPLETED,
    )
    client.force_login(clinic["reception"])
    response = client.post(
        reverse("admin:booking_appointment_changelist"),
        {"action": "confirm", "_selected_action": [request.pk, done.pk], "index": 0},
        follow=True,
    )
    request.refresh_from_db()
    done.refresh_from_db()
    assert request.status == Appointment.Status.CONFIRMED
    assert done.status == Appointment.Status.COMPLETED
    assert "cannot become confirmed" in response.content.decode()


def test_resend_confirmation_queues_one_new_confirmation(client, clinic):
    appointment = AppointmentFactory(
        consultation_type=clinic["ctype"],
        practitioner=clinic["patel"],
        start=_at(next_weekday(1), 9),
    )
    client.force_login(clinic["reception"])
    client.post(
        reverse("admin:booking_appointment_changelist"),
        {"action": "resend_confirmation", "_selected_action": [appointment.pk], "index": 0},
    )
    assert (
        OutboundMessage.objects.filter(appointment=appointment, kind=Kind.CONFIRMATION).count() == 1
    )


def test_csv_export_has_the_filtered_list_without_health_details(client, clinic):
    day = next_weekday(1)
    kept = AppointmentFactory(
        consultation_type=clinic["ctype"],
        practitioner=clinic["patel"],
        start=_at(day, 9),
        patient__full_name="=HYPERLINK(evil)",
    )
    kept.intake.note = "Very private knee note"
    kept.intake.save()
    AppointmentFactory(
        consultation_type=clinic["ctype"], practitioner=clinic["okafor"], start=_at(day, 9)
    )
    client.force_login(clinic["reception"])
    response = client.get(
        reverse("admin:booking_appointment_export"), {"practitioner__id__exact": clinic["patel"].pk}
    )
    text = response.content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0][:3] == ["Reference", "Date", "Start"]
    assert len(rows) == 2
    assert rows[1][8] == "'=HYPERLINK(evil)"  # no formula injection into spreadsheets
    assert "Very private knee note" not in text


def test_csv_export_with_bad_filter_is_a_400(client, clinic):
    client.force_login(clinic["reception"])
    response = client.get(reverse("admin:booking_appointment_export"), {"nonsense__field": "1"})
    assert response.status_code == 400


def test_merge_moves_visits_and_deletes_the_duplicate(client, clinic):
    keep = PatientFactory(full_name="Maria Gomez", email="maria@example.com", phone="")
    duplicate = PatientFactory(full_name="Maria Gomez", email="", phone="+14135550101")
    visit = AppointmentFactory(
        consultation_type=clinic["ctype"],
        practitioner=clinic["patel"],
        patient=duplicate,
        start=_at(next_weekday(1), 9),
    )
    client.force_login(clinic["reception"])
    url = reverse("admin:booking_patient_changelist")
    confirm = client.post(
        url, {"action": "merge_patients", "_selected_action": [keep.pk, duplicate.pk], "index": 0}
    )
    assert confirm.status_code == 200
    assert "Choose the one to keep" in confirm.content.decode()
    client.post(
        url,
        {
            "action": "merge_patients",
            "_selected_action": [keep.pk, duplicate.pk],
            "index": 0,
            "keep": keep.pk,
        },
    )
    visit.refresh_from_db()
    keep.refresh_from_db()
    assert visit.patient == keep
    assert not Patient.objects.filter(pk=duplicate.pk).exists()
    assert str(keep.phone) == "+14135550101"
    assert keep.email == "maria@example.com"


def test_patient_list_shows_visits_and_no_shows(client, clinic):
    patient = PatientFactory(full_name="Tom Walsh")
    for hour, status in [(9, "confirmed"), (10, "no_show"), (11, "no_show"), (12, "cancelled")]:
        AppointmentFactory(
            consultation_type=clinic["ctype"],
            practitioner=clinic["patel"],
            patient=patient,
            start=_at(next_weekday(1), hour),
            status=status,
        )
    client.force_login(clinic["reception"])
    response = client.get(reverse("admin:booking_patient_changelist"))
    (row,) = response.context["cl"].result_list
    assert row.visits == 3
    assert row.no_show_count == 2


def test_patient_page_links_to_booking_prefilled_with_their_details(client, clinic):
    patient = PatientFactory(full_name="Aisha Brown", email="aisha@example.com")
    client.force_login(clinic["reception"])
    page = client.get(reverse("admin:booking_patient_change", args=[patient.pk])).content.decode()
    book_url = reverse("admin:booking_appointment_book") + f"?patient={patient.pk}"
    assert book_url in page
    form = client.get(book_url).context["form"]
    assert form.initial["full_name"] == "Aisha Brown"
    assert form.initial["email"] == "aisha@example.com"


def test_time_off_page_links_to_its_affected_appointments(client, clinic):
    day = next_weekday(1)
    time_off = TimeOffFactory(practitioner=clinic["patel"], start=_at(day, 9), end=_at(day, 12))
    client.force_login(clinic["reception"])
    page = client.get(reverse("admin:booking_timeoff_change", args=[time_off.pk])).content.decode()
    assert f"{reverse('admin:booking_appointment_disruption')}?time_off={time_off.pk}" in page


def test_book_page_opens_without_errors_before_any_search(client, clinic):
    client.force_login(clinic["reception"])
    response = client.get(reverse("admin:booking_appointment_book"), {"patient": "12345"})
    assert response.status_code == 200
    assert "This field is required" not in response.content.decode()


def test_export_link_carries_the_lists_filters(client, clinic):
    client.force_login(clinic["reception"])
    page = client.get(
        reverse("admin:booking_appointment_changelist"), {"status__exact": "confirmed"}
    ).content.decode()
    assert reverse("admin:booking_appointment_export") + "?status__exact=confirmed" in page


def test_history_page_shows_who_changed_the_appointment_and_why(client, clinic):
    appointment = AppointmentFactory(
        consultation_type=clinic["ctype"],
        practitioner=clinic["patel"],
        start=timezone.now() - timedelta(minutes=30),  # begun: arrival can be recorded
    )
    client.force_login(clinic["reception"])
    client.post(
        reverse("admin:booking_appointment_changelist"),
        {"action": "mark_arrived", "_selected_action": [appointment.pk], "index": 0},
    )
    page = client.get(
        reverse("admin:booking_appointment_history", args=[appointment.pk])
    ).content.decode()
    assert "rosa" in page
    assert "Status confirmed -&gt; arrived" in page


def test_history_cannot_revert_an_appointment_past_the_services(client, clinic):
    appointment = AppointmentFactory(
        consultation_type=clinic["ctype"],
        practitioner=clinic["patel"],
        start=timezone.now() - timedelta(minutes=30),  # begun: arrival can be recorded
    )
    first_version = appointment.history.earliest("history_id")
    appointment_set_status(
        appointment=appointment, status=Appointment.Status.ARRIVED, acting_user=None
    )
    manager = StaffUserFactory(username="boss", role=MANAGER)
    client.force_login(manager)
    url = reverse(
        "admin:booking_appointment_simple_history", args=[appointment.pk, first_version.pk]
    )
    assert client.get(url).status_code == 200
    assert client.post(url, {}).status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.ARRIVED
