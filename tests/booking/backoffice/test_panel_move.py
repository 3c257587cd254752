"""Moving a visit from the schedule's side panel: a form POST to the panel's own address,
through the reschedule service; done, back to the schedule (htmx: HX-Redirect); refused, the
panel again with the reason in words and what was typed, never a 500."""

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.models import Appointment, OutboundMessage
from booking.scheduling.clock import clinic_zone
from booking.scheduling.frontdesk import move_refusal_reason
from tests.booking.backoffice.conftest import at
from tests.factories import (
    AppointmentFactory,
    ClinicClosureFactory,
    TimeOffFactory,
    next_weekday,
)

pytestmark = pytest.mark.django_db
DAY_URL = "admin:booking_schedule_day"


@pytest.fixture
def visit(frontdesk):
    day = next_weekday(1)
    return AppointmentFactory(
        consultation_type=frontdesk["short"],
        practitioner=frontdesk["patel"],
        start=at(day, 9),
        patient__full_name="Maria Gomez",
    )


def _panel_url(visit, **extra) -> str:
    day = timezone.localdate(visit.start)
    query = "&".join(f"{k}={v}" for k, v in {"date": day, "panel": visit.pk, **extra}.items())
    return f"{reverse(DAY_URL)}?{query}"


def _move(client, visit, *, practitioner, day, time_text, htmx=False, **extra):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        _panel_url(visit, **extra),
        {"practitioner": practitioner.pk, "day": day.isoformat(), "time": time_text},
        headers=headers,
    )


def _rescheduled_messages(visit) -> int:
    return OutboundMessage.objects.filter(
        appointment=visit, kind=OutboundMessage.Kind.RESCHEDULED
    ).count()


def test_the_panel_offers_the_move_form_filled_in_with_the_visit(client, frontdesk, visit):
    client.force_login(frontdesk["reception"])
    body = client.get(_panel_url(visit)).content.decode()
    assert "Move this visit" in body
    assert 'id="panel-move-time"' in body
    assert 'value="09:00"' in body
    assert f'value="{timezone.localdate(visit.start).isoformat()}"' in body
    assert f'<option value="{frontdesk["patel"].pk}" selected>' in body
    assert f'action="{_panel_url(visit)}"'.replace("&", "&amp;") in body


def test_move_to_a_free_time_returns_to_the_schedule_and_tells_the_patient_once(
    client, frontdesk, visit
):
    client.force_login(frontdesk["reception"])
    day = timezone.localdate(visit.start) + timedelta(days=1)
    response = _move(client, visit, practitioner=frontdesk["okafor"], day=day, time_text="14:00")
    visit.refresh_from_db()
    assert response.status_code == 302
    assert response.url == f"{reverse(DAY_URL)}?date={day.isoformat()}"
    assert (visit.start, visit.practitioner) == (at(day, 14), frontdesk["okafor"])
    assert _rescheduled_messages(visit) == 1
    assert visit.history.filter(history_change_reason="Rescheduled").exists()
    assert "Moved Maria Gomez" in client.get(response.url).content.decode()
    # The same POST again (a double click) moves nothing and tells nobody again.
    again = _move(client, visit, practitioner=frontdesk["okafor"], day=day, time_text="14:00")
    assert again.status_code == 200
    assert "nothing to move" in again.content.decode()
    assert _rescheduled_messages(visit) == 1


def test_htmx_move_redirects_the_page_so_the_grid_is_drawn_again(client, frontdesk, visit):
    client.force_login(frontdesk["reception"])
    day = timezone.localdate(visit.start)
    response = _move(
        client,
        visit,
        practitioner=frontdesk["patel"],
        day=day,
        time_text="10:30",
        htmx=True,
    )
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse(DAY_URL) + "?")
    assert "panel=" not in response["HX-Redirect"]
    visit.refresh_from_db()
    assert visit.start == at(day, 10, 30)


def _refused(client, frontdesk, visit, *, day, time_text, practitioner=None, htmx=False):
    before = (visit.start, visit.practitioner_id)
    response = _move(
        client,
        visit,
        practitioner=practitioner or frontdesk["patel"],
        day=day,
        time_text=time_text,
        htmx=htmx,
    )
    visit.refresh_from_db()
    assert response.status_code == 200
    assert (visit.start, visit.practitioner_id) == before
    assert _rescheduled_messages(visit) == 0
    return response.content.decode()


def test_a_taken_time_is_a_message_in_the_panel_with_what_was_typed(client, frontdesk, visit):
    day = timezone.localdate(visit.start)
    AppointmentFactory(
        consultation_type=frontdesk["short"], practitioner=frontdesk["patel"], start=at(day, 11)
    )
    client.force_login(frontdesk["reception"])
    body = _refused(client, frontdesk, visit, day=day, time_text="11:00")
    assert "That time is taken" in body
    assert 'role="alert"' in body
    assert 'value="11:00"' in body  # as typed, not the visit's own time
    assert "<html" in body  # without JavaScript: the whole day, the panel open
    partial = _refused(client, frontdesk, visit, day=day, time_text="11:00", htmx=True)
    assert "<html" not in partial
    assert "That time is taken" in partial


def test_outside_hours_names_the_hours(client, frontdesk, visit):
    client.force_login(frontdesk["reception"])
    day = timezone.localdate(visit.start)
    body = _refused(client, frontdesk, visit, day=day, time_text="07:00")
    assert "outside Dr Patel&#x27;s hours" in body
    assert "09:00–12:00, 13:00–17:00" in body
    # The visit would run past the end of the morning (11:45 + 30 minutes).
    assert "outside" in _refused(client, frontdesk, visit, day=day, time_text="11:45")
    sunday = day + timedelta(days=(6 - day.weekday()))
    assert "does not work on" in _refused(client, frontdesk, visit, day=sunday, time_text="10:00")


def test_off_the_grid_closed_away_and_past_times_are_explained(client, frontdesk, visit):
    client.force_login(frontdesk["reception"])
    day = timezone.localdate(visit.start)
    assert "every 30 minutes" in _refused(client, frontdesk, visit, day=day, time_text="10:10")
    TimeOffFactory(practitioner=frontdesk["patel"], start=at(day, 14), end=at(day, 16))
    assert "away then" in _refused(client, frontdesk, visit, day=day, time_text="14:30")
    later = day + timedelta(days=7)
    ClinicClosureFactory(start_date=later, end_date=later)
    assert "The clinic is closed" in _refused(
        client, frontdesk, visit, day=later, time_text="10:00"
    )
    reason = move_refusal_reason(
        appointment=visit, practitioner=frontdesk["patel"], start=at(day, 10), now=at(day, 12)
    )
    assert reason == "That time has passed: choose a later one."


@pytest.mark.parametrize(
    "data",
    [
        {"practitioner": "x", "day": "2030-01-01", "time": "10:00"},
        {"practitioner": "999999", "day": "2030-01-01", "time": "10:00"},
        {"day": "not-a-day", "time": "10:00"},
        {"day": "٢٠٣٠-٠١-٠١", "time": "10:00"},
        {"day": "9999-12-31", "time": "10:00"},
        {"day": "2001-01-01", "time": "10:00"},
        {"day": "2030-01-01", "time": "25:99"},
        {},
    ],
)
def test_hostile_move_input_is_a_message_never_a_500(client, frontdesk, visit, data):
    data = {"practitioner": frontdesk["patel"].pk, **data}
    client.force_login(frontdesk["reception"])
    response = client.post(_panel_url(visit), data)
    visit.refresh_from_db()
    assert response.status_code == 200
    assert "Check the practitioner, date and time" in response.content.decode()
    assert visit.start == at(timezone.localdate(visit.start), 9)


def test_a_practitioner_who_does_not_see_the_type_is_not_offered(client, frontdesk, visit):
    other = frontdesk["okafor"]
    other.consultation_types.remove(frontdesk["short"])
    client.force_login(frontdesk["reception"])
    body = _refused(
        client,
        frontdesk,
        visit,
        day=timezone.localdate(visit.start),
        time_text="10:00",
        practitioner=other,
    )
    assert "Check the practitioner, date and time" in body


def test_a_cancelled_visit_cannot_be_moved(client, frontdesk, visit):
    Appointment.objects.filter(pk=visit.pk).update(status=Appointment.Status.CANCELLED)
    client.force_login(frontdesk["reception"])
    day = timezone.localdate(visit.start)
    body = _refused(client, frontdesk, visit, day=day, time_text="10:00")
    assert "Only a requested or confirmed visit can be moved" in body


def test_who_may_move(client, frontdesk, visit):
    day = timezone.localdate(visit.start)
    client.force_login(frontdesk["patel_user"])  # a clinician reads the panel, never moves
    assert "Move this visit" not in client.get(_panel_url(visit)).content.decode()
    response = _move(client, visit, practitioner=frontdesk["patel"], day=day, time_text="10:00")
    assert response.status_code == 403
    client.force_login(frontdesk["reception"])
    for bad in ("999999", "x"):
        url = f"{reverse(DAY_URL)}?date={day}&panel={bad}"
        assert client.post(url, {"day": day, "time": "10:00"}).status_code == 404
    client.force_login(frontdesk["manager"])
    response = _move(client, visit, practitioner=frontdesk["patel"], day=day, time_text="10:00")
    assert response.status_code == 302


def test_move_across_the_spring_dst_change_keeps_the_wall_clock_time(client, frontdesk):
    # Friday before and Monday after the first Sunday of summer time of the coming year.
    year = timezone.localdate().year + 1
    sunday = next(date(year, 3, d) for d in range(8, 15) if date(year, 3, d).weekday() == 6)
    friday, monday = sunday - timedelta(days=2), sunday + timedelta(days=1)
    visit = AppointmentFactory(
        consultation_type=frontdesk["short"], practitioner=frontdesk["patel"], start=at(friday, 9)
    )
    client.force_login(frontdesk["reception"])
    response = _move(client, visit, practitioner=frontdesk["patel"], day=monday, time_text="9:00")
    visit.refresh_from_db()
    assert response.status_code == 302
    assert visit.start == datetime.combine(monday, time(9), tzinfo=clinic_zone())
    # EST before the change, EDT after: the same wall-clock time is an hour less later.
    assert visit.start.astimezone(clinic_zone()).utcoffset() != at(friday, 9).utcoffset()
    assert (visit.start - at(friday, 9)) == timedelta(days=3, hours=-1)
