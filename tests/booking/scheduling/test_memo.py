"""The slot computation's per-process memo (booking/scheduling/memo.py) never answers with a
time that is no longer free, nor hides one that is: every write reaches it through the rows
each request reads (services, QuerySet.update(), time off, holds, hours, closures, rules), and
time passing through the notice and the horizon."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from booking.models import Appointment, ClinicProfile, ConsultationType, WorkingHours
from booking.scheduling import selectors
from booking.scheduling.loader import _PARSED_BUSY
from booking.scheduling.selectors import available_slots, picker_availability
from tests.factories import (
    AppointmentFactory,
    ClinicClosureFactory,
    ConsultationTypeFactory,
    PractitionerFactory,
    TimeOffFactory,
    WaitlistHoldFactory,
    next_weekday_at,
)

pytestmark = pytest.mark.django_db

SUNDAY = 6


@pytest.fixture(autouse=True)
def empty_memo():
    selectors._COMPUTED.clear()
    _PARSED_BUSY.clear()
    yield
    selectors._COMPUTED.clear()
    _PARSED_BUSY.clear()


@pytest.fixture
def clinic():
    ctype = ConsultationTypeFactory(slug="memo", horizon_days=60, min_notice_minutes=0)
    practitioner = PractitionerFactory(consultation_types=[ctype])
    day = next_weekday_at(9).date()
    return ctype, practitioner, day


def starts(ctype, day, now=None) -> list:
    slots = available_slots(consultation_type=ctype, first_day=day, last_day=day, now=now)
    return [slot.start for slot in slots.get(day, [])]


def picker_starts(ctype, day, now=None) -> list:
    picker = picker_availability(consultation_type=ctype, month=None, day=day, now=now)
    return [slot.start for slot in picker.day_slots]


def test_a_second_request_is_answered_from_the_memo(clinic, django_assert_num_queries):
    ctype, _practitioner, day = clinic
    first = starts(ctype, day)
    # The same queries each time (the rows are the key): only the work after them is saved.
    with django_assert_num_queries(3):
        assert starts(ctype, day) == first
    assert len(selectors._COMPUTED._entries) == 1


@pytest.mark.parametrize("read", [starts, picker_starts])
def test_every_kind_of_write_reaches_the_next_answer(clinic, read):
    ctype, practitioner, day = clinic
    nine = next_weekday_at(9)
    offered = read(ctype, day)
    assert nine in offered
    assert read(ctype, day) == offered

    visit = AppointmentFactory(consultation_type=ctype, practitioner=practitioner, start=nine)
    assert nine not in read(ctype, day)
    # QuerySet.update() (no save(), no signal): the time is free again at once.
    Appointment.objects.filter(pk=visit.pk).update(status=Appointment.Status.CANCELLED)
    assert read(ctype, day) == offered

    off = TimeOffFactory(practitioner=practitioner, start=nine, end=nine + timedelta(hours=1))
    assert nine not in read(ctype, day)
    off.delete()
    assert read(ctype, day) == offered

    hold = WaitlistHoldFactory(consultation_type=ctype, practitioner=practitioner, start=nine)
    assert nine not in read(ctype, day)
    hold.delete()
    assert read(ctype, day) == offered

    WorkingHours.objects.filter(practitioner=practitioner).update(start_time=time(10))
    assert read(ctype, day)[0] == nine + timedelta(hours=1)
    WorkingHours.objects.filter(practitioner=practitioner).update(start_time=time(9))
    assert read(ctype, day) == offered

    closure = ClinicClosureFactory(start_date=day, end_date=day)
    assert read(ctype, day) == []
    closure.delete()
    assert read(ctype, day) == offered

    ConsultationType.objects.filter(pk=ctype.pk).update(duration_minutes=60)
    ctype.refresh_from_db()
    assert nine + timedelta(minutes=450) not in read(ctype, day)  # 16:30 no longer fits
    ConsultationType.objects.filter(pk=ctype.pk).update(duration_minutes=30)
    ctype.refresh_from_db()
    assert read(ctype, day) == offered

    # The clinic's own rules (a type without its own granularity).
    ConsultationType.objects.filter(pk=ctype.pk).update(slot_granularity_minutes=None)
    ctype.refresh_from_db()
    ClinicProfile.objects.filter(pk=1).update(slot_granularity_minutes=60)
    assert all(start.minute == 0 for start in read(ctype, day))
    ClinicProfile.objects.filter(pk=1).update(slot_granularity_minutes=15)
    assert len(read(ctype, day)) > len(offered)


@pytest.mark.parametrize("read", [starts, picker_starts])
def test_a_time_that_enters_the_notice_goes_at_once(clinic, read):
    ctype, _practitioner, day = clinic
    nine = next_weekday_at(9)
    ConsultationType.objects.filter(pk=ctype.pk).update(min_notice_minutes=60)
    ctype.refresh_from_db()
    before = nine - timedelta(hours=2)
    offered = read(ctype, day, now=before)
    assert offered[0] == nine
    assert read(ctype, day, now=before + timedelta(minutes=30)) == offered
    # One second past the notice for nine o'clock: gone, though no row changed.
    later = read(ctype, day, now=nine - timedelta(minutes=60) + timedelta(seconds=1))
    assert later == offered[1:]
    # A clock set back (a test's) never reuses an answer computed for a later time.
    assert read(ctype, day, now=before) == offered


def test_an_answer_the_horizon_cuts_is_not_kept(clinic):
    ctype, _practitioner, day = clinic
    ConsultationType.objects.filter(pk=ctype.pk).update(horizon_days=1)
    ctype.refresh_from_db()
    nine = next_weekday_at(9)
    now = nine - timedelta(days=1) + timedelta(hours=1)  # the horizon reaches 10:00 that day
    assert starts(ctype, day, now=now)[-1] == nine + timedelta(hours=1)
    assert not selectors._COMPUTED._entries
    # An hour on, the horizon has moved and so have the times.
    assert starts(ctype, day, now=now + timedelta(hours=1))[-1] == nine + timedelta(hours=2)


def test_the_memo_stays_bounded(clinic):
    ctype, _practitioner, day = clinic
    ConsultationType.objects.filter(pk=ctype.pk).update(horizon_days=365)
    ctype.refresh_from_db()
    for offset in range(selectors._COMPUTED.size + 10):
        later = day + timedelta(days=offset)
        available_slots(consultation_type=ctype, first_day=later, last_day=later)
    assert len(selectors._COMPUTED._entries) == selectors._COMPUTED.size


@pytest.mark.parametrize(
    ("now", "dst_day"),
    [
        (datetime(2027, 3, 1, 15, tzinfo=UTC), date(2027, 3, 14)),
        (datetime(2027, 10, 25, 15, tzinfo=UTC), date(2027, 11, 7)),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_a_dst_day_from_the_memo_is_the_day_computed_afresh(now, dst_day):
    ctype = ConsultationTypeFactory(slug="dst-memo", slot_granularity_minutes=30)
    night = [(SUNDAY, time(0, 30), time(4))]
    PractitionerFactory(consultation_types=[ctype], weekly_hours=night)
    PractitionerFactory(consultation_types=[ctype], weekly_hours=[(SUNDAY, time(1), time(3))])

    def answer():
        picker = picker_availability(
            consultation_type=ctype, month=dst_day.replace(day=1), day=dst_day, now=now
        )
        return [(s.start.astimezone(UTC), s.end.astimezone(UTC)) for s in picker.day_slots]

    fresh = answer()
    assert selectors._COMPUTED._entries
    assert answer() == fresh  # from the memo
    selectors._COMPUTED.clear()
    _PARSED_BUSY.clear()
    assert answer() == fresh
    # Every time lasts its 30 minutes of real time across the change, in order of instants.
    assert {end - start for start, end in fresh} == {timedelta(minutes=30)}
    assert fresh == sorted(fresh)
    # 00:30 to 04:00 on the clock is 2.5 hours of real time in spring, 4.5 in autumn.
    real = fresh[-1][1] - fresh[0][0]
    assert real == (
        timedelta(hours=2, minutes=30) if dst_day.month == 3 else timedelta(hours=4, minutes=30)
    )
