"""The front desk's time-ruled grid: free time books, a visit opens its side panel, the panel's
actions, and who reads the chief complaint."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils.http import urlencode

from booking.backoffice.frontdesk_grid import day_grid
from booking.models import Appointment, OutboundMessage
from booking.scheduling.schedule_grid import schedule_grid
from booking.scheduling.staff_schedule import staff_schedule
from tests.booking.backoffice.conftest import at
from tests.factories import AppointmentFactory, IntakeFactory, TimeOffFactory, next_weekday

pytestmark = pytest.mark.django_db


def _day_page(client, day, **extra):
    return client.get(reverse("admin:booking_schedule_day"), {"date": day.isoformat(), **extra})


def test_grid_has_quarter_hour_rows_and_a_visit_spanning_its_rows(frontdesk):
    day = next_weekday(1)
    AppointmentFactory(
        consultation_type=frontdesk["long"], practitioner=frontdesk["patel"], start=at(day, 10)
    )
    (schedule,) = staff_schedule(
        first_day=day, last_day=day, practitioners=[frontdesk["patel"], frontdesk["okafor"]]
    )
    grid = day_grid(schedule)
    assert grid.rows[0].label == "09:00"
    assert grid.rows[-1].label == "16:45"
    assert all(row.minutes == 15 for row in grid.rows)
    visits = [cell for row in grid.rows for _, cell in row.cells if cell.kind == "visit"]
    assert [v.rowspan for v in visits] == [4]  # one hour, four quarter rows
    # Every row's cells add up to one per column once rowspans are counted.
    covered = [0] * len(grid.rows)
    for i, row in enumerate(grid.rows):
        for _, cell in row.cells:
            for j in range(i, i + cell.rowspan):
                covered[j] += 1
    assert covered == [2] * len(grid.rows)
    assert schedule_grid([]).rows == []


def test_free_time_is_a_named_link_to_the_prefilled_booking_form(client, frontdesk):
    day = next_weekday(1)
    client.force_login(frontdesk["reception"])
    body = _day_page(client, day).content.decode()
    assert f'<span class="visually-hidden">Free, Dr Patel, {day:%A} 9:15</span>' in body
    start = at(day, 9, 15)
    link = (
        reverse("admin:booking_appointment_book")
        + "?"
        + urlencode(
            {
                "practitioner": frontdesk["patel"].pk,
                "day": day.isoformat(),
                "start": start.isoformat(),
            }
        )
    )
    assert link.replace("&", "&amp;") in body


def test_booking_form_from_free_time_offers_only_the_types_that_fit(client, frontdesk):
    day = next_weekday(1)
    # 11:30 to 12:00 is free before lunch: the 30-minute follow-up fits, the hour does not.
    start = at(day, 11, 30)
    client.force_login(frontdesk["reception"])
    response = client.get(
        reverse("admin:booking_appointment_book"),
        {"practitioner": frontdesk["patel"].pk, "day": day.isoformat(), "start": start.isoformat()},
    )
    find = response.context["find"]
    assert list(find.fields["consultation_type"].queryset) == [frontdesk["short"]]
    assert response.context["searched"]  # the one type that fits is chosen
    form = response.context["form"]
    assert form.initial["start"] == start.isoformat()
    body = response.content.decode()
    assert f'value="{start.isoformat()}"' in body
    assert "checked" in body
    # At 9:00 both fit: the choice is left to staff, practitioner and day already filled.
    response = client.get(
        reverse("admin:booking_appointment_book"),
        {
            "practitioner": frontdesk["patel"].pk,
            "day": day.isoformat(),
            "start": at(day, 9).isoformat(),
        },
    )
    find = response.context["find"]
    assert set(find.fields["consultation_type"].queryset) == {frontdesk["short"], frontdesk["long"]}
    assert not response.context["searched"]
    assert find.initial["practitioner"] == str(frontdesk["patel"].pk)


@pytest.mark.parametrize(
    "query",
    [
        {"start": "not-a-time", "practitioner": "1"},
        {"start": "9999-12-31T23:59:00+14:00", "practitioner": "1"},
        {"start": "2026-12-01T09:00:00+00:00", "practitioner": "٣"},
        {"start": "2026-12-01T09:00:00+00:00", "practitioner": "999999"},
    ],
)
def test_booking_form_with_a_hostile_free_time_is_a_plain_form(client, frontdesk, query):
    client.force_login(frontdesk["reception"])
    response = client.get(reverse("admin:booking_appointment_book"), query)
    assert response.status_code == 200


def test_visit_opens_the_side_panel_in_place_or_as_a_page(client, frontdesk):
    day = next_weekday(1)
    visit = AppointmentFactory(
        consultation_type=frontdesk["short"],
        practitioner=frontdesk["patel"],
        start=at(day, 9),
        patient__full_name="Maria Gomez",
        contact_phone="+14135550101",
    )
    client.force_login(frontdesk["reception"])
    whole = _day_page(client, day, panel=visit.pk).content.decode()
    assert 'id="side-panel"' in whole
    assert "Cancel this visit" in whole
    assert "+14135550101" in whole
    partial = _day_page(client, day, panel=visit.pk, HTTP_HX_REQUEST="true")
    partial = client.get(
        reverse("admin:booking_schedule_day"),
        {"date": day.isoformat(), "panel": visit.pk},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "<html" not in partial
    assert "Maria Gomez" in partial
    assert "Revoke and re-send" in partial
    # An unknown or hostile panel id shows the day without a panel.
    for bad in ("999999", "x", "٣"):
        response = _day_page(client, day, panel=bad)
        assert response.status_code == 200
        assert response.context["panel"] is None


def test_cancel_from_the_side_panel_tells_the_patient_once(client, frontdesk):
    day = next_weekday(1)
    visit = AppointmentFactory(
        consultation_type=frontdesk["short"], practitioner=frontdesk["patel"], start=at(day, 9)
    )
    client.force_login(frontdesk["reception"])
    back = reverse("admin:booking_schedule_day") + f"?date={day}"
    url = reverse("admin:booking_appointment_cancel_one", args=[visit.pk])
    response = client.post(url, {"reason": "", "next": back})
    visit.refresh_from_db()
    assert response.status_code == 302
    assert visit.status == Appointment.Status.CONFIRMED
    response = client.post(url, {"reason": "Doctor ill", "next": back})
    client.post(url, {"reason": "Doctor ill", "next": back})  # a second click changes nothing
    visit.refresh_from_db()
    assert response.url == back
    assert visit.status == Appointment.Status.CANCELLED
    assert visit.cancellation_reason == "Doctor ill"
    kinds = list(OutboundMessage.objects.filter(appointment=visit).values_list("kind", flat=True))
    assert kinds.count(OutboundMessage.Kind.CANCELLED) == 1
    assert client.get(url).status_code == 405
    assert client.post(url, {"next": "//evil.example/"}).url == reverse(
        "admin:booking_schedule_day"
    )


def test_clinician_cannot_cancel_or_open_another_clinicians_panel(client, frontdesk):
    day = next_weekday(1)
    visit = AppointmentFactory(
        consultation_type=frontdesk["short"], practitioner=frontdesk["okafor"], start=at(day, 9)
    )
    client.force_login(frontdesk["patel_user"])
    assert _day_page(client, day, panel=visit.pk).context["panel"] is None
    url = reverse("admin:booking_appointment_cancel_one", args=[visit.pk])
    assert client.post(url, {"reason": "x"}).status_code == 403


def test_resend_link_from_the_panel_returns_to_the_schedule(client, frontdesk):
    day = next_weekday(1)
    visit = AppointmentFactory(
        consultation_type=frontdesk["short"], practitioner=frontdesk["patel"], start=at(day, 9)
    )
    client.force_login(frontdesk["reception"])
    back = reverse("admin:booking_schedule_day") + f"?date={day}"
    response = client.post(
        reverse("admin:booking_appointment_link_resend", args=[visit.pk]), {"next": back}
    )
    visit.refresh_from_db()
    assert response.url == back
    assert visit.manage_token_version == 1


def test_chief_complaint_for_own_patients_and_the_manager_never_reception(client, frontdesk):
    day = next_weekday(1)
    own = AppointmentFactory(
        consultation_type=frontdesk["short"],
        practitioner=frontdesk["patel"],
        start=at(day, 9),
        intake=None,
    )
    IntakeFactory(appointment=own, joints=["knee"], pain_score=7)
    other = AppointmentFactory(
        consultation_type=frontdesk["short"],
        practitioner=frontdesk["okafor"],
        start=at(day, 10),
        intake=None,
    )
    IntakeFactory(appointment=other, joints=["hip"], pain_score=4)
    client.force_login(frontdesk["patel_user"])
    body = _day_page(client, day).content.decode()
    assert "Knee, 7/10" in body
    assert "questionnaire not done" in body
    assert "Hip" not in body
    assert "4/10" not in body
    # Even asked for the other clinician's column by id, nothing of theirs shows.
    body = _day_page(client, day, practitioner=frontdesk["okafor"].pk).content.decode()
    assert "4/10" not in body
    client.force_login(frontdesk["manager"])
    body = _day_page(client, day).content.decode()
    assert "Knee, 7/10" in body
    assert "Hip, 4/10" in body
    client.force_login(frontdesk["reception"])
    body = _day_page(client, day).content.decode()
    assert "7/10" not in body
    assert "4/10" not in body
    assert "questionnaire" not in body
    body = _day_page(client, day, panel=own.pk).content.decode()
    assert "7/10" not in body
    assert "Chief complaint" not in body


def test_week_grid_shows_time_off_and_a_column_per_day(client, frontdesk):
    day = next_weekday(1)
    TimeOffFactory(
        practitioner=frontdesk["patel"], start=at(day, 14), end=at(day, 15), reason="Dentist"
    )
    client.force_login(frontdesk["reception"])
    response = client.get(
        reverse("admin:booking_schedule_week"),
        {"date": day.isoformat(), "practitioner": frontdesk["patel"].pk},
    )
    body = response.content.decode()
    assert "Time off: Dentist" in body
    assert [c.day for c in response.context["grid"].columns][0] == day - timedelta(days=1)
