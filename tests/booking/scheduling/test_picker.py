"""The time picker's single-load selector agrees with the three selectors it replaces."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.links.tokens import manage_token
from booking.profile import clinic_profile_get
from booking.scheduling.clock import clinic_zone
from booking.scheduling.selectors import (
    available_slots,
    bookable_days,
    next_available,
    picker_availability,
)
from tests.factories import (
    AppointmentFactory,
    ClinicClosureFactory,
    ConsultationTypeFactory,
    PractitionerFactory,
    TimeOffFactory,
    next_weekday_at,
)

pytestmark = pytest.mark.django_db

SUNDAY = 6


def local(day: date, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=clinic_zone()).replace(fold=fold)


def key(slot):
    # UTC instants: 01:30 EDT and 01:30 EST are equal as datetimes of one zone.
    return slot.start.astimezone(UTC), slot.end.astimezone(UTC), slot.practitioner_id


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


@pytest.fixture
def dst_clinic():
    """Three practitioners, buffers, notice, time off, a closure and visits around both 2026
    daylight-saving changes (Sunday March 8 and Sunday November 1 in New York)."""
    ctype = ConsultationTypeFactory(
        slug="dst",
        min_notice_minutes=24 * 60,
        slot_granularity_minutes=15,
        buffer_before_minutes=10,
        buffer_after_minutes=5,
    )
    night = (SUNDAY, time(0, 30), time(4))
    weekdays = [(d, time(9), time(17)) for d in range(5)]
    first = PractitionerFactory(consultation_types=[ctype], weekly_hours=[*weekdays, night])
    second = PractitionerFactory(
        consultation_types=[ctype],
        weekly_hours=[
            *[(d, time(8), time(12)) for d in (0, 2, 4)],
            *[(d, time(13), time(18)) for d in (0, 2, 4)],
            (SUNDAY, time(1), time(3, 30)),
        ],
    )
    third = PractitionerFactory(
        consultation_types=[ctype], weekly_hours=[(d, time(10), time(16)) for d in (1, 2, 3)]
    )
    for day, hour, minute, fold, practitioner in [
        (date(2026, 3, 8), 1, 30, 0, first),
        (date(2026, 3, 8), 3, 0, 0, second),
        (date(2026, 3, 9), 9, 0, 0, first),
        (date(2026, 3, 9), 9, 45, 0, first),
        (date(2026, 3, 10), 10, 0, 0, third),
        (date(2026, 11, 1), 1, 30, 0, first),
        (date(2026, 11, 1), 1, 30, 1, second),
        (date(2026, 11, 2), 8, 0, 0, second),
        (date(2026, 11, 3), 15, 30, 0, third),
    ]:
        AppointmentFactory(
            consultation_type=ctype,
            practitioner=practitioner,
            # In UTC: the factory's buffer arithmetic must not run on wall-clock time.
            start=local(day, hour, minute, fold).astimezone(UTC),
        )
    TimeOffFactory(
        practitioner=second, start=local(date(2026, 3, 11), 0), end=local(date(2026, 3, 14), 0)
    )
    TimeOffFactory(
        practitioner=first, start=local(date(2026, 11, 4), 12), end=local(date(2026, 11, 6), 12)
    )
    ClinicClosureFactory(start_date=date(2026, 3, 17), end_date=date(2026, 3, 17))
    ClinicClosureFactory(start_date=date(2026, 11, 26), end_date=date(2026, 11, 27))
    return ctype, [first, second, third]


CASES = [
    # (now, month asked for, day asked for)
    (datetime(2026, 3, 2, 10, tzinfo=UTC), None, None),
    (datetime(2026, 3, 2, 10, tzinfo=UTC), date(2026, 3, 1), date(2026, 3, 8)),
    (datetime(2026, 3, 2, 10, tzinfo=UTC), date(2026, 4, 1), None),
    (datetime(2026, 3, 2, 10, tzinfo=UTC), date(2026, 3, 1), date(2026, 4, 7)),
    (datetime(2026, 3, 7, 6, 30, tzinfo=UTC), None, date(2026, 3, 8)),
    (datetime(2026, 10, 20, 15, tzinfo=UTC), None, None),
    (datetime(2026, 10, 20, 15, tzinfo=UTC), date(2026, 11, 1), date(2026, 11, 1)),
    (datetime(2026, 10, 20, 15, tzinfo=UTC), date(2027, 6, 1), None),
    (datetime(2026, 10, 31, 5, tzinfo=UTC), date(2026, 10, 1), date(2026, 11, 2)),
]


@pytest.mark.parametrize(("now", "month", "day"), CASES)
@pytest.mark.parametrize("who", [None, 0, 1, 2])
def test_picker_availability_equals_the_three_selectors(dst_clinic, now, month, day, who):
    ctype, practitioners = dst_clinic
    pid = None if who is None else practitioners[who].pk

    picker = picker_availability(
        consultation_type=ctype, month=month, day=day, practitioner_id=pid, now=now
    )

    expected_next = next_available(consultation_type=ctype, practitioner_id=pid, now=now)
    assert (key(picker.next_slot) if picker.next_slot else None) == (
        key(expected_next) if expected_next else None
    )
    tz = clinic_zone()
    window_first, window_last = (
        (now + timedelta(days=1)).astimezone(tz).date(),
        (now + timedelta(days=60)).astimezone(tz).date(),
    )
    anchor = month or day or (expected_next.start.date() if expected_next else window_first)
    expected_month = min(
        max(anchor.replace(day=1), window_first.replace(day=1)), window_last.replace(day=1)
    )
    assert picker.month == expected_month
    expected_days = bookable_days(
        consultation_type=ctype,
        first_day=expected_month,
        last_day=month_end(expected_month),
        practitioner_id=pid,
        now=now,
    )
    assert picker.bookable_days == expected_days
    expected_day = day or (min(expected_days) if expected_days else None)
    assert picker.day == expected_day
    expected_slots = (
        available_slots(
            consultation_type=ctype,
            first_day=expected_day,
            last_day=expected_day,
            practitioner_id=pid,
            now=now,
        ).get(expected_day, [])
        if expected_day in expected_days
        else []
    )
    assert [key(s) for s in picker.day_slots] == [key(s) for s in expected_slots]


@pytest.mark.parametrize(
    ("now", "dst_day"),
    [
        (datetime(2026, 3, 2, 10, tzinfo=UTC), date(2026, 3, 8)),
        (datetime(2026, 10, 20, 15, tzinfo=UTC), date(2026, 11, 1)),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_picker_availability_on_a_dst_day_offers_real_instants(dst_clinic, now, dst_day):
    ctype, (first, second, _) = dst_clinic

    picker = picker_availability(
        consultation_type=ctype, month=dst_day.replace(day=1), day=dst_day, now=now
    )

    assert dst_day in picker.bookable_days
    starts = [s.start.astimezone(UTC) for s in picker.day_slots]
    assert starts == sorted(starts)
    assert {s.practitioner_id for s in picker.day_slots} == {first.pk, second.pk}
    # Every offered visit lasts its 30 minutes of real time, across the change.
    assert {key(s)[1] - key(s)[0] for s in picker.day_slots} == {timedelta(minutes=30)}


def test_picker_availability_runs_a_fixed_number_of_queries(
    dst_clinic, django_assert_max_num_queries
):
    ctype, _ = dst_clinic
    profile = clinic_profile_get()
    now = datetime(2026, 3, 2, 10, tzinfo=UTC)
    with django_assert_max_num_queries(3):
        picker_availability(consultation_type=ctype, month=None, day=None, now=now, profile=profile)


def test_picker_availability_month_outside_the_window_moves_inside(dst_clinic):
    ctype, _ = dst_clinic
    now = datetime(2026, 3, 2, 10, tzinfo=UTC)

    before = picker_availability(consultation_type=ctype, month=date(2025, 1, 1), day=None, now=now)
    after = picker_availability(consultation_type=ctype, month=date(2030, 1, 1), day=None, now=now)

    assert before.month == date(2026, 3, 1)
    assert after.month == date(2026, 5, 1)
    assert all(day.month == 5 for day in after.bookable_days)


@pytest.fixture
def one_slot_a_week():
    """A practitioner with one 30-minute slot a week (Tuesdays 09:00), on leave until the
    Tuesday after next, whose slot is taken: the next free one is a week later."""
    ctype = ConsultationTypeFactory(slug="weekly")
    practitioner = PractitionerFactory(
        consultation_types=[ctype], weekly_hours=[(1, time(9), time(9, 30))]
    )
    appointment = AppointmentFactory(
        consultation_type=ctype, practitioner=practitioner, start=next_weekday_at(9)
    )
    TimeOffFactory(
        practitioner=practitioner,
        start=timezone.now(),
        end=appointment.start - timedelta(hours=1),
    )
    return ctype, practitioner, appointment


def test_picker_availability_excluded_visit_counts_as_free(one_slot_a_week):
    ctype, practitioner, appointment = one_slot_a_week
    own_day = appointment.start.astimezone(clinic_zone()).date()

    taken = picker_availability(
        consultation_type=ctype, month=None, day=None, practitioner_id=practitioner.pk
    )
    moving = picker_availability(
        consultation_type=ctype,
        month=own_day.replace(day=1),
        day=own_day,
        practitioner_id=practitioner.pk,
        exclude_appointment_id=appointment.pk,
    )

    assert taken.next_slot.start == appointment.start + timedelta(days=7)
    assert own_day not in taken.bookable_days
    assert moving.next_slot.start == appointment.start
    assert own_day in moving.bookable_days
    assert [s.start for s in moving.day_slots] == [appointment.start]


def test_reschedule_picker_shows_own_time_as_free_in_fixed_queries(
    client, one_slot_a_week, django_assert_max_num_queries
):
    ctype, practitioner, appointment = one_slot_a_week
    own_day = appointment.start.astimezone(clinic_zone()).date()
    url = reverse("booking:manage_reschedule", args=[manage_token(appointment)])

    # 7 for the picker, 1 for the patient's language (clinic/language.py).
    with django_assert_max_num_queries(8):
        response = client.get(url, {"month": f"{own_day:%Y-%m}"})

    body = response.content.decode()
    assert response.status_code == 200
    # Its own time is labelled as the current time, never offered as "Next available".
    assert "Next available:" not in body
    current_text = body.split("Your current time:", 1)[1].split("</span>", 1)[0]
    assert f"{appointment.start.astimezone(clinic_zone()):%B} {own_day.day} at 9:00" in (
        current_text
    )
    assert f'aria-label="{own_day:%A, %B} {own_day.day}' in body


@pytest.mark.parametrize("month_offset", [0, 1, 2, 5])
@pytest.mark.parametrize("by_practitioner", [False, True])
def test_choose_time_queries_stay_fixed_whatever_the_month_and_practitioners(
    client, django_assert_max_num_queries, month_offset, by_practitioner
):
    ctype = ConsultationTypeFactory(slug="busy")
    practitioners = [PractitionerFactory(consultation_types=[ctype]) for _ in range(5)]
    for i, practitioner in enumerate(practitioners):
        for weeks_ahead in (1, 2, 4):
            AppointmentFactory(
                consultation_type=ctype,
                practitioner=practitioner,
                start=next_weekday_at(9 + i, weeks_ahead=weeks_ahead),
            )
    month = timezone.localdate().replace(day=1)
    for _ in range(month_offset):
        month = (month + timedelta(days=32)).replace(day=1)
    params = {"month": f"{month:%Y-%m}"}
    if by_practitioner:
        params["practitioner"] = str(practitioners[2].pk)

    with django_assert_max_num_queries(6):
        response = client.get(reverse("booking:choose_time", args=[ctype.slug]), params)

    assert response.status_code == 200
    assert "Next available:" in response.content.decode()


@pytest.mark.parametrize("month", [None, date(2026, 3, 1)])
def test_picker_availability_looks_past_a_fully_booked_month(dst_clinic, month):
    """The picker loads only up to the month on show; when that stretch has no free time, it
    loads the rest of the window and still finds the next available one."""
    ctype, practitioners = dst_clinic
    now = datetime(2026, 3, 2, 10, tzinfo=UTC)
    for practitioner in practitioners:
        TimeOffFactory(
            practitioner=practitioner,
            start=local(date(2026, 3, 1), 0),
            end=local(date(2026, 4, 8), 0),
        )

    picked = picker_availability(consultation_type=ctype, month=month, day=None, now=now)
    expected_next = next_available(consultation_type=ctype, now=now)

    assert expected_next is not None
    assert expected_next.start.date() >= date(2026, 4, 8)
    assert key(picked.next_slot) == key(expected_next)
    assert picked.month == (month or date(2026, 4, 1))
    expected_days = bookable_days(
        consultation_type=ctype,
        first_day=picked.month,
        last_day=month_end(picked.month),
        now=now,
    )
    assert picked.bookable_days == expected_days
