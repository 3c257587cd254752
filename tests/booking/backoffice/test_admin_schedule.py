"""Day view, week view, printable day list and the appointment list: content and query counts."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from booking.backoffice.roles import CLINICIAN, MANAGER, RECEPTION
from booking.models import Appointment, Patient
from booking.profile import clinic_profile_get
from booking.scheduling.clock import clinic_zone
from booking.scheduling.disruptions import appointments_outside_hours
from booking.scheduling.staff_schedule import staff_schedule
from tests.factories import (
    AppointmentFactory,
    ClinicClosureFactory,
    ConsultationTypeFactory,
    IntakeFactory,
    PatientFactory,
    PractitionerFactory,
    StaffUserFactory,
    TimeOffFactory,
    next_weekday,
)

pytestmark = pytest.mark.django_db


def _previous_weekday(weekday: int = 1):
    """A past day: the services record arrivals and outcomes only once a visit has begun."""
    day = timezone.localdate() - timedelta(days=1)
    while day.weekday() != weekday:
        day -= timedelta(days=1)
    return day


def _at(day, hour, minute=0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=clinic_zone())


@pytest.fixture
def clinic():
    clinic_profile_get()  # the row a data migration creates; a flushed test database lacks it
    ctype = ConsultationTypeFactory(duration_minutes=30)
    patel_user = StaffUserFactory(username="patel", role=CLINICIAN)
    patel = PractitionerFactory(
        display_name="Dr. Patel",
        user=patel_user,
        consultation_types=[ctype],
        weekly_hours=[(d, time(9), time(12)) for d in range(5)]
        + [(d, time(13), time(17)) for d in range(5)],
    )
    okafor = PractitionerFactory(display_name="Dr. Okafor", consultation_types=[ctype])
    reception = StaffUserFactory(username="rosa", role=RECEPTION)
    return {"ctype": ctype, "patel": patel, "okafor": okafor, "reception": reception}


def _bulk_appointments(ctype, practitioners, day, count):
    """`count` back-to-back 5-minute visits spread over the practitioners (bypassing services)."""
    short = ConsultationTypeFactory(slug="quick", duration_minutes=5)
    patients = Patient.objects.bulk_create(
        PatientFactory.build(email=f"bulk{i}@example.com") for i in range(count)
    )
    rows = []
    for i, patient in enumerate(patients):
        practitioner = practitioners[i % len(practitioners)]
        start = _at(day, 0) + timedelta(minutes=5 * (i // len(practitioners)))
        rows.append(
            Appointment(
                consultation_type=short,
                practitioner=practitioner,
                patient=patient,
                start=start,
                end=start + timedelta(minutes=5),
                occupied_start=start,
                occupied_end=start + timedelta(minutes=5),
                contact_name=patient.full_name,
                contact_email=patient.email,
                reference=f"bulk{i:028d}",
            )
        )
    Appointment.objects.bulk_create(rows)


def test_day_view_shows_appointments_breaks_time_off_and_free_time(client, clinic):
    day = next_weekday(1)
    AppointmentFactory(
        consultation_type=clinic["ctype"],
        practitioner=clinic["patel"],
        start=_at(day, 9, 30),
        patient__full_name="Maria Gomez",
    )
    TimeOffFactory(
        practitioner=clinic["okafor"], start=_at(day, 14), end=_at(day, 15), reason="Dentist"
    )
    client.force_login(clinic["reception"])
    response = client.get(reverse("admin:booking_schedule_day"), {"date": day.isoformat()})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Dr. Patel" in body
    assert "Dr. Okafor" in body
    assert "Maria Gomez" in body
    assert "Break" in body  # Patel's lunch, 12:00-13:00
    assert "Time off: Dentist" in body
    assert "Free" in body
    assert 'style="' not in body.split('id="content"')[1]  # the CSP forbids inline styles


def test_day_view_defaults_to_today(client, clinic, monkeypatch):
    tuesday = next_weekday(1)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: tuesday)
    client.force_login(clinic["reception"])
    response = client.get(reverse("admin:booking_schedule_day"))
    assert response.context["day"] == tuesday


def test_today_on_a_closed_day_opens_the_next_working_day(client, clinic, monkeypatch):
    sunday = next_weekday(6)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: sunday)
    client.force_login(clinic["reception"])
    for name in ("admin:booking_schedule_day", "admin:booking_schedule_week"):
        response = client.get(reverse(name))
        assert response.context["day"] == sunday + timedelta(days=1)
    body = client.get(reverse("admin:booking_schedule_day"), follow=True).content.decode()
    assert "showing the next working day" in body
    # An explicit date is shown as asked, closed or not.
    response = client.get(reverse("admin:booking_schedule_day"), {"date": sunday.isoformat()})
    assert response.context["day"] == sunday


def test_day_view_with_bad_date_shows_today_and_a_message(client, clinic):
    client.force_login(clinic["reception"])
    response = client.get(
        reverse("admin:booking_schedule_day"), {"date": "31/02/2026"}, follow=True
    )
    assert response.status_code == 200
    assert response.context["day"] == timezone.localdate()
    assert "is not a date" in response.content.decode()


def test_day_view_filters_by_practitioner(client, clinic):
    client.force_login(clinic["reception"])
    response = client.get(
        reverse("admin:booking_schedule_day"), {"practitioner": clinic["okafor"].pk}
    )
    assert [c.practitioner for c in response.context["schedule"].columns] == [clinic["okafor"]]


def test_clinician_lands_on_their_own_day(client, clinic):
    client.force_login(clinic["patel"].user)
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:booking_schedule_day") in index
    assert "My day" in index
    response = client.get(reverse("admin:booking_schedule_day"))
    assert [c.practitioner for c in response.context["schedule"].columns] == [clinic["patel"]]


def test_clinician_cannot_widen_the_day_view_to_colleagues(client, clinic):
    client.force_login(clinic["patel"].user)
    response = client.get(
        reverse("admin:booking_schedule_day"), {"practitioner": clinic["okafor"].pk}
    )
    assert response.context["schedule"].columns == []


def test_week_view_is_one_practitioner_with_a_column_per_day(client, clinic):
    day = next_weekday(2)
    AppointmentFactory(
        consultation_type=clinic["ctype"],
        practitioner=clinic["okafor"],
        start=_at(day, 10),
        patient__full_name="James Miller",
    )
    client.force_login(clinic["reception"])
    response = client.get(
        reverse("admin:booking_schedule_week"),
        {"date": day.isoformat(), "practitioner": clinic["okafor"].pk},
    )
    days = response.context["days"]
    assert len(days) == 7
    assert days[0].day.weekday() == 0
    assert all(len(d.columns) == 1 for d in days)
    assert len(response.context["grid"].columns) == 7
    assert "James Miller" in response.content.decode()


def test_closure_day_shows_closed_and_flags_visits_to_move(clinic):
    day = next_weekday(3)
    ClinicClosureFactory(name="Staff training", start_date=day, end_date=day)
    AppointmentFactory(
        consultation_type=clinic["ctype"], practitioner=clinic["patel"], start=_at(day, 10)
    )
    (schedule,) = staff_schedule(first_day=day, last_day=day, practitioners=[clinic["patel"]])
    assert schedule.closure == "Staff training"
    (appointment_block,) = schedule.columns[0].appointments
    assert appointment_block.conflict is True


def test_print_list_has_the_days_visits_without_health_details(client, clinic):
    day = next_weekday(1)
    appointment = AppointmentFactory(
        consultation_type=clinic["ctype"],
        practitioner=clinic["patel"],
        start=_at(day, 11),
        patient__full_name="Aisha Brown",
        intake=None,
    )
    IntakeFactory(appointment=appointment, note="Left knee swelling")
    client.force_login(clinic["reception"])
    response = client.get(reverse("admin:booking_schedule_print"), {"date": day.isoformat()})
    body = response.content.decode()
    assert "Aisha Brown" in body
    assert "Left knee swelling" not in body
    assert "data-print" in body


def test_day_columns_hold_the_visits_overlapping_the_day_and_no_others(clinic):
    """The day's visits come through an index on the occupied time (PostgreSQL: the overlap
    guard's GiST index); what shows is still the visits themselves overlapping the day: one
    crossing midnight into it shows, one whose buffer alone reaches into it does not, nor a
    cancelled one."""
    day = next_weekday(1)
    patel = clinic["patel"]
    buffered = ConsultationTypeFactory(
        slug="buffered", duration_minutes=30, buffer_after_minutes=60
    )
    across = AppointmentFactory(
        practitioner=patel,
        consultation_type=clinic["ctype"],
        start=_at(day, 0) - timedelta(minutes=15),
    )
    # Another practitioner's: its buffer would overlap the visit above.
    buffer_only = AppointmentFactory(
        practitioner=clinic["okafor"],
        consultation_type=buffered,
        start=_at(day, 0) - timedelta(hours=1),
    )
    inside = AppointmentFactory(
        practitioner=patel, consultation_type=clinic["ctype"], start=_at(day, 10)
    )
    AppointmentFactory(
        practitioner=patel,
        consultation_type=clinic["ctype"],
        start=_at(day, 11),
        status=Appointment.Status.CANCELLED,
    )
    AppointmentFactory(
        practitioner=patel,
        consultation_type=clinic["ctype"],
        start=_at(day + timedelta(days=1), 0),
    )
    columns = staff_schedule(first_day=day, last_day=day, practitioners=[patel, clinic["okafor"]])[
        0
    ].columns
    shown = {block.appointment.pk for column in columns for block in column.appointments}
    assert shown == {across.pk, inside.pk}
    assert buffer_only.pk not in shown


@pytest.mark.parametrize("count", [1, 500])
def test_day_view_runs_in_fixed_queries(client, clinic, django_assert_max_num_queries, count):
    day = next_weekday(1)
    _bulk_appointments(clinic["ctype"], [clinic["patel"], clinic["okafor"]], day, count)
    client.force_login(clinic["reception"])
    # Session, user, permissions, clinic profile, the session touch, and 5 for the schedule.
    with django_assert_max_num_queries(14):
        response = client.get(reverse("admin:booking_schedule_day"), {"date": day.isoformat()})
    assert sum(len(c.appointments) for c in response.context["schedule"].columns) == count


@pytest.mark.parametrize("count", [1, 500])
def test_week_view_runs_in_fixed_queries(client, clinic, django_assert_max_num_queries, count):
    day = next_weekday(1)
    _bulk_appointments(clinic["ctype"], [clinic["patel"], clinic["okafor"]], day, count)
    client.force_login(clinic["reception"])
    with django_assert_max_num_queries(14):
        response = client.get(reverse("admin:booking_schedule_week"), {"date": day.isoformat()})
    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 500])
def test_print_list_runs_in_fixed_queries(client, clinic, django_assert_max_num_queries, count):
    day = next_weekday(1)
    _bulk_appointments(clinic["ctype"], [clinic["patel"], clinic["okafor"]], day, count)
    client.force_login(clinic["reception"])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("admin:booking_schedule_print"), {"date": day.isoformat()})
    assert len(response.context["appointments"]) == count


@pytest.mark.parametrize("count", [1, 500])
def test_appointment_list_runs_in_fixed_queries(
    client, clinic, django_assert_max_num_queries, count
):
    day = next_weekday(1)
    _bulk_appointments(clinic["ctype"], [clinic["patel"], clinic["okafor"]], day, count)
    client.force_login(clinic["reception"])
    with django_assert_max_num_queries(16):
        response = client.get(reverse("admin:booking_appointment_changelist"))
    assert response.context["cl"].result_count == count


@pytest.mark.parametrize("count", [1, 500])
def test_patient_list_runs_in_fixed_queries(client, clinic, django_assert_max_num_queries, count):
    day = next_weekday(1)
    _bulk_appointments(clinic["ctype"], [clinic["patel"], clinic["okafor"]], day, count)
    client.force_login(clinic["reception"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:booking_patient_changelist"))
    assert response.status_code == 200


def test_appointment_list_filters_today_and_searches_by_phone(client, clinic):
    today_visit = AppointmentFactory(
        consultation_type=clinic["ctype"],
        practitioner=clinic["patel"],
        start=timezone.localtime().replace(hour=23, minute=0, second=0, microsecond=0),
        patient__full_name="Today Patient",
        patient__phone="+14135550177",
    )
    AppointmentFactory(
        consultation_type=clinic["ctype"],
        practitioner=clinic["patel"],
        start=timezone.now() + timedelta(days=3),
        patient__full_name="Later Patient",
    )
    client.force_login(clinic["reception"])
    url = reverse("admin:booking_appointment_changelist")
    today = client.get(url, {"when": "today"}).context["cl"].result_list
    found = client.get(url, {"q": "+14135550177"}).context["cl"].result_list
    assert list(today) == [today_visit]
    assert list(found) == [today_visit]


def test_working_hours_change_warns_about_orphaned_appointments(client, clinic):
    day = next_weekday(4)
    orphan = AppointmentFactory(
        consultation_type=clinic["ctype"], practitioner=clinic["patel"], start=_at(day, 16)
    )
    patel = clinic["patel"]
    patel.hours.filter(weekday=4, start_time=time(13)).update(end_time=time(15))
    assert appointments_outside_hours(practitioner=patel) == [orphan]

    manager = StaffUserFactory(username="boss", role=MANAGER)
    client.force_login(manager)
    hours = list(patel.hours.all())
    data = {
        "display_name": patel.display_name,
        "credentials": patel.credentials,
        "consultation_types": [clinic["ctype"].pk],
        "video_room_url": patel.video_room_url,
        "active": "on",
        "hours-TOTAL_FORMS": len(hours),
        "hours-INITIAL_FORMS": len(hours),
        "hours-MIN_NUM_FORMS": 0,
        "hours-MAX_NUM_FORMS": 1000,
    }
    for i, row in enumerate(hours):
        data.update(
            {
                f"hours-{i}-id": row.pk,
                f"hours-{i}-practitioner": patel.pk,
                f"hours-{i}-weekday": row.weekday,
                f"hours-{i}-start_time": row.start_time.strftime("%H:%M"),
                f"hours-{i}-end_time": row.end_time.strftime("%H:%M"),
            }
        )
    response = client.post(
        reverse("admin:booking_practitioner_change", args=[patel.pk]), data, follow=True
    )
    body = response.content.decode()
    assert "fall outside Dr. Patel" in body
    assert reverse("admin:booking_appointment_move", args=[orphan.pk]) in body


def test_buffer_after_a_visit_is_not_shown_as_free_time(clinic):
    day = next_weekday(1)
    buffered = ConsultationTypeFactory(
        slug="buffered", duration_minutes=30, buffer_after_minutes=15
    )
    AppointmentFactory(consultation_type=buffered, practitioner=clinic["patel"], start=_at(day, 9))
    (schedule,) = staff_schedule(first_day=day, last_day=day, practitioners=[clinic["patel"]])
    first, second = schedule.columns[0].blocks[:2]
    assert first.kind == "appointment"
    assert second.kind == "free"
    assert second.start == _at(day, 9, 45)
    assert first.conflict is False


def test_reception_marks_arrived_from_the_day_view(client, clinic):
    day = _previous_weekday(1)
    appointment = AppointmentFactory(
        consultation_type=clinic["ctype"], practitioner=clinic["patel"], start=_at(day, 9)
    )
    client.force_login(clinic["reception"])
    day_url = reverse("admin:booking_schedule_day") + f"?date={day}"
    # The visit's block opens the side panel (second click: Arrived).
    page = client.get(day_url, {"panel": appointment.pk}).content.decode()
    assert 'value="arrived"' in page
    assert 'value="completed"' not in page  # reception does not record outcomes
    response = client.post(
        reverse("admin:booking_appointment_set_status", args=[appointment.pk]),
        {"status": "arrived", "next": day_url},
    )
    appointment.refresh_from_db()
    assert response.status_code == 302
    assert response.url == day_url
    assert appointment.status == Appointment.Status.ARRIVED


def test_reception_cannot_record_an_outcome_from_the_day_view(client, clinic):
    appointment = AppointmentFactory(
        consultation_type=clinic["ctype"],
        practitioner=clinic["patel"],
        start=_at(next_weekday(1), 9),
    )
    client.force_login(clinic["reception"])
    response = client.post(
        reverse("admin:booking_appointment_set_status", args=[appointment.pk]),
        {"status": "completed"},
    )
    appointment.refresh_from_db()
    assert response.status_code == 403
    assert appointment.status == Appointment.Status.CONFIRMED


def test_clinician_records_no_show_only_for_their_own_visits(client, clinic):
    day = _previous_weekday(1)
    own = AppointmentFactory(
        consultation_type=clinic["ctype"], practitioner=clinic["patel"], start=_at(day, 9)
    )
    colleague = AppointmentFactory(
        consultation_type=clinic["ctype"], practitioner=clinic["okafor"], start=_at(day, 9)
    )
    client.force_login(clinic["patel"].user)
    url = "admin:booking_appointment_set_status"
    client.post(reverse(url, args=[own.pk]), {"status": "no_show"})
    refused = client.post(reverse(url, args=[colleague.pk]), {"status": "no_show"})
    own.refresh_from_db()
    colleague.refresh_from_db()
    assert own.status == Appointment.Status.NO_SHOW
    assert refused.status_code == 404
    assert colleague.status == Appointment.Status.CONFIRMED


def test_impossible_status_change_from_the_day_view_is_a_message(client, clinic):
    appointment = AppointmentFactory(
        consultation_type=clinic["ctype"],
        practitioner=clinic["patel"],
        start=_at(next_weekday(1), 9),
        status=Appointment.Status.COMPLETED,
    )
    client.force_login(clinic["reception"])
    response = client.post(
        reverse("admin:booking_appointment_set_status", args=[appointment.pk]),
        {"status": "arrived"},
        follow=True,
    )
    assert response.status_code == 200
    assert "cannot become arrived" in response.content.decode()


def test_appointment_and_time_off_names_use_the_clinics_wall_clock(clinic):
    day = next_weekday(1)
    appointment = AppointmentFactory(
        consultation_type=clinic["ctype"], practitioner=clinic["patel"], start=_at(day, 9)
    )
    time_off = TimeOffFactory(practitioner=clinic["patel"], start=_at(day, 13), end=_at(day, 14))
    # One date format across the back office (clinic/formats), in the clinic's wall clock.
    on_day = date_format(day, "D j M Y")
    assert str(appointment).endswith(f"{on_day}, 09:00")
    assert f"{on_day}, 13:00 to {on_day}, 14:00" in str(time_off)


def test_deactivating_a_practitioner_lists_all_their_future_visits(clinic):
    appointment = AppointmentFactory(
        consultation_type=clinic["ctype"],
        practitioner=clinic["patel"],
        start=_at(next_weekday(1), 10),
    )
    clinic["patel"].active = False
    assert appointments_outside_hours(practitioner=clinic["patel"]) == [appointment]


@pytest.mark.parametrize("day_text", ["2027-03-14", "2027-11-07"])  # DST starts / ends
def test_schedule_keeps_wall_clock_hours_on_daylight_saving_days(day_text, settings):
    from datetime import date

    settings.TIME_ZONE = "America/New_York"
    day = date.fromisoformat(day_text)
    practitioner = PractitionerFactory(weekly_hours=[(6, time(9), time(17))])
    (schedule,) = staff_schedule(first_day=day, last_day=day, practitioners=[practitioner])
    (block,) = schedule.columns[0].blocks
    assert block.kind == "free"
    assert (block.start.hour, block.end.hour) == (9, 17)
    assert block.minutes == 8 * 60
