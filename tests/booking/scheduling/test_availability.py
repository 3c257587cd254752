"""Availability read from the database: DST days, buffers, rules, closures, query counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.models import Appointment
from booking.profile import clinic_profile_get
from booking.scheduling.clock import clinic_zone
from booking.scheduling.loader import load_schedule
from booking.scheduling.selectors import available_slots, bookable_days, next_available
from booking.scheduling.slots import merge_any_practitioner
from tests.factories import (
    AppointmentFactory,
    ClinicClosureFactory,
    ConsultationTypeFactory,
    PractitionerFactory,
    TimeOffFactory,
)

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
SUNDAY = 6


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NY)


def starts(slots) -> list[str]:
    return [slot.start.isoformat() for slot in slots]


@pytest.fixture
def ctype():
    return ConsultationTypeFactory(duration_minutes=30, slot_granularity_minutes=30)


def test_available_slots_spring_forward_day_skips_the_missing_hour(ctype):
    day = date(2026, 3, 8)
    practitioner = PractitionerFactory(
        consultation_types=[ctype], weekly_hours=[(SUNDAY, time(1), time(4))]
    )

    slots = available_slots(
        consultation_type=ctype,
        first_day=day,
        last_day=day,
        practitioner_id=practitioner.pk,
        now=datetime(2026, 3, 1, tzinfo=UTC),
    )

    # 01:00-04:00 on the clock is two real hours: 02:00 EST is 03:00 EDT.
    assert starts(slots[day]) == [
        "2026-03-08T01:00:00-05:00",
        "2026-03-08T01:30:00-05:00",
        "2026-03-08T03:00:00-04:00",
        "2026-03-08T03:30:00-04:00",
    ]


def test_available_slots_fall_back_day_offers_the_repeated_hour_twice(ctype):
    day = date(2026, 11, 1)
    practitioner = PractitionerFactory(
        consultation_types=[ctype], weekly_hours=[(SUNDAY, time(0), time(3))]
    )

    slots = available_slots(
        consultation_type=ctype,
        first_day=day,
        last_day=day,
        practitioner_id=practitioner.pk,
        now=datetime(2026, 10, 20, tzinfo=UTC),
    )

    assert starts(slots[day]) == [
        "2026-11-01T00:00:00-04:00",
        "2026-11-01T00:30:00-04:00",
        "2026-11-01T01:00:00-04:00",
        "2026-11-01T01:30:00-04:00",
        "2026-11-01T01:00:00-05:00",
        "2026-11-01T01:30:00-05:00",
        "2026-11-01T02:00:00-05:00",
        "2026-11-01T02:30:00-05:00",
    ]


def test_available_slots_working_day_after_dst_change_keeps_wall_clock_hours(ctype):
    PractitionerFactory(consultation_types=[ctype])  # Monday-Friday 09:00-17:00

    slots = available_slots(
        consultation_type=ctype,
        first_day=date(2026, 3, 6),
        last_day=date(2026, 3, 9),
        now=datetime(2026, 3, 1, tzinfo=UTC),
    )

    friday, monday = slots[date(2026, 3, 6)], slots[date(2026, 3, 9)]
    assert (friday[0].start.isoformat(), friday[-1].end.isoformat()) == (
        "2026-03-06T09:00:00-05:00",
        "2026-03-06T17:00:00-05:00",
    )
    assert (monday[0].start.isoformat(), monday[-1].end.isoformat()) == (
        "2026-03-09T09:00:00-04:00",
        "2026-03-09T17:00:00-04:00",
    )
    assert set(slots) == {date(2026, 3, 6), date(2026, 3, 9)}


def test_available_slots_buffers_keep_the_practitioner_free_around_a_visit():
    ctype = ConsultationTypeFactory(
        duration_minutes=30,
        slot_granularity_minutes=15,
        buffer_before_minutes=15,
        buffer_after_minutes=15,
    )
    practitioner = PractitionerFactory(consultation_types=[ctype])
    day = date(2026, 6, 15)
    AppointmentFactory(consultation_type=ctype, practitioner=practitioner, start=local(day, 10))

    slots = available_slots(
        consultation_type=ctype,
        first_day=day,
        last_day=day,
        practitioner_id=practitioner.pk,
        now=datetime(2026, 6, 1, tzinfo=UTC),
    )

    # Busy 09:45-10:45; a new visit needs its own 15 minutes either side.
    morning = [s.start.astimezone(NY).strftime("%H:%M") for s in slots[day]][:6]
    assert morning == ["09:00", "11:00", "11:15", "11:30", "11:45", "12:00"]


def test_available_slots_ignore_cancelled_appointments_and_honour_time_off(ctype):
    practitioner = PractitionerFactory(consultation_types=[ctype])
    day = date(2026, 6, 15)
    AppointmentFactory(
        consultation_type=ctype,
        practitioner=practitioner,
        start=local(day, 9),
        status=Appointment.Status.CANCELLED,
    )
    TimeOffFactory(practitioner=practitioner, start=local(day, 12), end=local(day, 17))

    slots = available_slots(
        consultation_type=ctype,
        first_day=day,
        last_day=day,
        now=datetime(2026, 6, 1, tzinfo=UTC),
    )

    assert [s.start.astimezone(NY).hour for s in slots[day]] == [9, 9, 10, 10, 11, 11]


def test_available_slots_enforce_notice_and_horizon(ctype):
    ctype.min_notice_minutes = 24 * 60
    ctype.horizon_days = 3
    ctype.save()
    PractitionerFactory(consultation_types=[ctype])
    now = local(date(2026, 6, 15), 12)  # a Monday noon

    slots = available_slots(
        consultation_type=ctype,
        first_day=date(2026, 6, 15),
        last_day=date(2026, 6, 30),
        now=now,
    )
    staff_view = available_slots(
        consultation_type=ctype,
        first_day=date(2026, 6, 15),
        last_day=date(2026, 6, 15),
        now=now,
        enforce_notice_and_horizon=False,
    )

    everything = [s for day_slots in slots.values() for s in day_slots]
    assert everything[0].start == local(date(2026, 6, 16), 12)
    assert everything[-1].start == local(date(2026, 6, 18), 12)
    assert staff_view[date(2026, 6, 15)][0].start == now


def test_available_slots_closed_days_and_effective_dates(ctype):
    practitioner = PractitionerFactory(consultation_types=[ctype], weekly_hours=[])
    practitioner.hours.create(
        weekday=1, start_time=time(9), end_time=time(10), valid_from=date(2026, 6, 20)
    )
    ClinicClosureFactory(start_date=date(2026, 6, 30), end_date=date(2026, 6, 30))

    slots = available_slots(
        consultation_type=ctype,
        first_day=date(2026, 6, 15),
        last_day=date(2026, 7, 8),
        now=datetime(2026, 6, 1, tzinfo=UTC),
    )

    # Tuesdays from June 20th, except the closure on June 30th.
    assert sorted(slots) == [date(2026, 6, 23), date(2026, 7, 7)]


def test_available_slots_any_practitioner_merges_free_people_per_time(ctype):
    first = PractitionerFactory(consultation_types=[ctype])
    second = PractitionerFactory(consultation_types=[ctype])
    PractitionerFactory(consultation_types=[ctype], active=False)
    day = date(2026, 6, 15)
    AppointmentFactory(consultation_type=ctype, practitioner=first, start=local(day, 9))

    slots = available_slots(
        consultation_type=ctype, first_day=day, last_day=day, now=datetime(2026, 6, 1, tzinfo=UTC)
    )
    merged = merge_any_practitioner(slots[day])

    assert merged[0] == (local(day, 9), local(day, 9, 30), [second.pk])
    assert merged[1] == (local(day, 9, 30), local(day, 10), [first.pk, second.pk])
    assert len(merged) == 16


def test_bookable_days_and_next_available_skip_full_days(ctype):
    practitioner = PractitionerFactory(
        consultation_types=[ctype], weekly_hours=[(0, time(9), time(10))]
    )
    now = local(date(2026, 6, 14), 12)  # Sunday
    for monday in (date(2026, 6, 15), date(2026, 6, 22)):
        for hour, minute in ((9, 0), (9, 30)):
            AppointmentFactory(
                consultation_type=ctype,
                practitioner=practitioner,
                start=local(monday, hour, minute),
            )

    days = bookable_days(
        consultation_type=ctype,
        first_day=date(2026, 6, 1),
        last_day=date(2026, 7, 31),
        now=now,
    )
    first = next_available(consultation_type=ctype, now=now)

    assert min(days) == date(2026, 6, 29)
    assert date(2026, 6, 15) not in days
    assert first is not None
    assert first.start == local(date(2026, 6, 29), 9)


def test_load_schedule_query_count_does_not_grow_with_days_or_practitioners(
    ctype, django_assert_num_queries
):
    PractitionerFactory(consultation_types=[ctype])
    day = date(2026, 6, 15)
    # Hours and closures in one query, busy time in the other.
    with django_assert_num_queries(2):
        load_schedule(consultation_type=ctype, first_day=day, last_day=day)

    for _ in range(9):
        practitioner = PractitionerFactory(consultation_types=[ctype])
        AppointmentFactory(consultation_type=ctype, practitioner=practitioner, start=local(day, 9))
        TimeOffFactory(practitioner=practitioner, start=local(day, 12), end=local(day, 13))
    ClinicClosureFactory(start_date=day + timedelta(days=3), end_date=day + timedelta(days=4))
    with django_assert_num_queries(2):
        schedule = load_schedule(
            consultation_type=ctype, first_day=day, last_day=day + timedelta(days=60)
        )

    assert len(schedule.practitioner_ids) == 10
    assert sum(len(v) for v in schedule.blocked.values()) == 18
    assert schedule.closed_days == {day + timedelta(days=3), day + timedelta(days=4)}


@pytest.mark.postgres
def test_load_schedule_reads_busy_time_whatever_the_session_time_zone(ctype):
    """Busy time is read as text (booking/scheduling/loader.py): an offset other than UTC
    still gives the same instants."""
    from django.db import connection

    day = date(2026, 6, 15)
    practitioner = PractitionerFactory(consultation_types=[ctype])
    AppointmentFactory(consultation_type=ctype, practitioner=practitioner, start=local(day, 9))
    TimeOffFactory(practitioner=practitioner, start=local(day, 12), end=local(day, 13, 30))
    in_utc = load_schedule(consultation_type=ctype, first_day=day, last_day=day).blocked

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL TIME ZONE 'Asia/Kolkata'")  # +05:30, until the test ends
    elsewhere = load_schedule(consultation_type=ctype, first_day=day, last_day=day).blocked

    assert elsewhere == in_utc
    assert sorted(in_utc[practitioner.pk]) == [
        (local(day, 9), local(day, 9, 30)),
        (local(day, 12), local(day, 13, 30)),
    ]


def test_available_slots_whole_request_stays_within_three_queries(
    ctype, django_assert_max_num_queries
):
    for _ in range(5):
        PractitionerFactory(consultation_types=[ctype])

    clinic_profile_get()  # this process's copy, as after a server's first request

    # The clinic profile's updated_at, then the loader's two.
    with django_assert_max_num_queries(3):
        available_slots(
            consultation_type=ctype,
            first_day=date(2026, 6, 1),
            last_day=date(2026, 7, 31),
            now=datetime(2026, 5, 1, tzinfo=UTC),
        )


def test_clinic_zone_is_the_settings_zone(settings):
    assert clinic_zone().key == settings.TIME_ZONE


def test_rules_for_type_overrides_win_and_slips_are_contained():
    from booking.profile import clinic_profile_get
    from booking.scheduling.loader import MAX_HORIZON_DAYS, rules_for

    profile = clinic_profile_get()
    plain = ConsultationTypeFactory(min_notice_minutes=None, slot_granularity_minutes=None)
    odd = ConsultationTypeFactory(
        min_notice_minutes=90, slot_granularity_minutes=0, horizon_days=10**6
    )

    default_rules, odd_rules = rules_for(plain, profile), rules_for(odd, profile)

    assert default_rules.min_notice == timedelta(minutes=profile.min_notice_minutes)
    assert default_rules.granularity == timedelta(minutes=profile.slot_granularity_minutes)
    assert odd_rules.min_notice == timedelta(minutes=90)
    assert odd_rules.granularity == timedelta(minutes=1)
    assert odd_rules.horizon == timedelta(days=MAX_HORIZON_DAYS)


def test_next_available_far_ahead_costs_a_fixed_number_of_queries(
    ctype, django_assert_max_num_queries
):
    practitioner = PractitionerFactory(consultation_types=[ctype], weekly_hours=[])
    # Only one working day, seven weeks out: everything before it is empty.
    practitioner.hours.create(
        weekday=2, start_time=time(9), end_time=time(10), valid_from=date(2026, 7, 20)
    )
    now = local(date(2026, 6, 1), 8)

    with django_assert_max_num_queries(4):
        first = next_available(consultation_type=ctype, now=now)

    assert first is not None
    assert first.start == local(date(2026, 7, 22), 9)
