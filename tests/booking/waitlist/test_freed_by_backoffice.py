"""Time the back office frees (time off or a closure removed or shortened, working hours added)
is offered slot by slot through the same hold and batch path as a cancelled visit's time;
marking a no-show frees nothing."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from booking.backoffice.roles import MANAGER
from booking.models import Appointment, OutboundMessage, WaitlistHold, WaitlistOffer, WorkingHours
from booking.scheduling import freed
from booking.scheduling.changes import appointment_set_status
from booking.scheduling.freed import time_freed_announced
from booking.waitlist.rules import AFTERNOON, MORNING
from tests.factories import (
    AppointmentFactory,
    ClinicClosureFactory,
    StaffUserFactory,
    TimeOffFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client):
    client.force_login(StaffUserFactory(role=MANAGER))
    return client


def _holds():
    return list(WaitlistHold.objects.order_by("start"))


def _assert_tiled(holds):
    """Holds of one practitioner never overlap (each could become a visit)."""
    for first, second in zip(holds, holds[1:], strict=False):
        if first.practitioner_id == second.practitioner_id:
            assert first.occupied_end <= second.occupied_start


def test_removing_time_off_offers_the_freed_slots_to_a_matching_entry(
    manager_client, entry_factory, doctor, slot, django_capture_on_commit_callbacks
):
    morning = slot.replace(hour=9)
    off = TimeOffFactory(practitioner=doctor, start=morning, end=morning.replace(hour=12))
    entry = entry_factory(practitioner=doctor, day_parts=MORNING)

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(f"/admin/booking/timeoff/{off.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    holds = _holds()
    assert holds, "the freed morning is held for the waitlist"
    assert all(morning <= h.start and h.end <= morning.replace(hour=12) for h in holds)
    assert {h.practitioner_id for h in holds} == {doctor.pk}
    _assert_tiled(holds)
    # The same batch path: an offer to the entry, and its email in the ledger.
    offer = WaitlistOffer.objects.filter(entry=entry).first()
    assert offer is not None
    assert offer.hold.status == WaitlistHold.Status.OFFERING
    assert OutboundMessage.objects.filter(waitlist_offer=offer, kind="waitlist_offer").exists()


def test_time_off_shortened_frees_only_the_difference(
    manager_client, entry_factory, doctor, slot, django_capture_on_commit_callbacks
):
    nine, ten, noon = slot.replace(hour=9), slot.replace(hour=10), slot.replace(hour=12)
    off = TimeOffFactory(practitioner=doctor, start=nine, end=noon, reason="Course")
    entry_factory(practitioner=doctor)
    local = timezone.localtime(nine)
    data = {
        "practitioner": doctor.pk,
        "start_0": local.strftime("%Y-%m-%d"),
        "start_1": "09:00",
        "end_0": local.strftime("%Y-%m-%d"),
        "end_1": "10:00",
        "reason": "Course",
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(f"/admin/booking/timeoff/{off.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    off.refresh_from_db()
    assert off.end == ten
    holds = _holds()
    assert holds
    assert all(ten <= h.start and h.end <= noon for h in holds)


def test_removing_a_closure_offers_every_practitioners_freed_day(
    manager_client, entry_factory, doctor, slot, django_capture_on_commit_callbacks
):
    closure = ClinicClosureFactory(start_date=slot.date(), end_date=slot.date())
    entry_factory(day_parts=AFTERNOON)

    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(f"/admin/booking/clinicclosure/{closure.pk}/delete/", {"post": "yes"})

    holds = _holds()
    assert holds
    assert all(timezone.localtime(h.start).date() == slot.date() for h in holds)
    assert all(timezone.localtime(h.start).hour >= 12 for h in holds)  # afternoons only
    _assert_tiled(holds)


def test_working_hours_added_free_the_new_hours_only(entry_factory, doctor, slot):
    entry_factory(practitioner=doctor)
    saturday = slot.date() + timedelta(days=(5 - slot.weekday()) % 7)

    with time_freed_announced(practitioner_ids=[doctor.pk]):
        WorkingHours.objects.create(
            practitioner=doctor, weekday=5, start_time=time(9), end_time=time(11)
        )

    holds = _holds()
    assert holds
    # Only Saturdays (weekday 5): every weekday slot was free before and stays the public's.
    assert {timezone.localtime(h.start).weekday() for h in holds} == {5}
    assert saturday in {timezone.localtime(h.start).date() for h in holds}


def test_the_announcement_is_bounded(entry_factory, doctor, slot, monkeypatch):
    monkeypatch.setattr(freed, "MAX_ANNOUNCED", 3)
    entry_factory(practitioner=doctor)

    with time_freed_announced(practitioner_ids=[doctor.pk]):
        WorkingHours.objects.create(
            practitioner=doctor, weekday=5, start_time=time(8), end_time=time(18)
        )

    assert len(_holds()) == 3


def test_nothing_is_held_when_nobody_waits(manager_client, doctor, slot):
    off = TimeOffFactory(practitioner=doctor, start=slot, end=slot + timedelta(hours=2))

    manager_client.post(f"/admin/booking/timeoff/{off.pk}/delete/", {"post": "yes"})

    assert not WaitlistHold.objects.exists()


def test_marking_a_no_show_is_not_a_trigger(entry_factory, ctype, doctor):
    entry_factory(practitioner=doctor, earliest_date=timezone.localdate() - timedelta(days=3))
    visit = AppointmentFactory(
        consultation_type=ctype,
        practitioner=doctor,
        start=timezone.now() - timedelta(hours=3),
        status=Appointment.Status.CONFIRMED,
    )

    appointment_set_status(appointment=visit, status=Appointment.Status.NO_SHOW, acting_user=None)

    assert not WaitlistHold.objects.exists()
