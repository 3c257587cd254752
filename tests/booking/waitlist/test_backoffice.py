"""Staff and the waitlist: add a caller by phone, urgency only by a clinician or the manager
(with a reason), held times labelled when staff book, figures per type."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from booking.backoffice.forms import HELD_LABEL, free_time_choices
from booking.backoffice.roles import CLINICIAN, MANAGER, RECEPTION, roles_sync
from booking.models import WaitlistEntry, WaitlistHold
from booking.waitlist import offers
from booking.waitlist.entries import waitlist_entry_mark_urgent
from booking.waitlist.errors import WaitlistError
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


def staff(role: str):
    roles_sync()
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name=role))
    return user


def entry_post(ctype, **overrides):
    today = timezone.localdate()
    data = {
        "full_name": "Carl Caller",
        "email": "",
        "phone": "+14135550123",
        "consultation_type": ctype.pk,
        "practitioner": "",
        "earliest_date": today.isoformat(),
        "latest_date": (today + timedelta(days=14)).isoformat(),
        "weekday_list": ["0", "1"],
        "part_list": ["1"],
    }
    data.update(overrides)
    return data


def test_reception_adds_a_caller_by_phone_active_at_once(client, ctype, doctor):
    client.force_login(staff(RECEPTION))
    response = client.post(reverse("admin:booking_waitlistentry_add"), entry_post(ctype))
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = WaitlistEntry.objects.get()
    assert (entry.status, entry.source, entry.weekdays) == ("active", "phone", 0b11)


@pytest.mark.parametrize(
    ("role", "allowed"), [(RECEPTION, False), (CLINICIAN, True), (MANAGER, True)]
)
def test_only_clinicians_and_the_manager_mark_urgent(entry_factory, role, allowed):
    entry = entry_factory()
    user = staff(role)
    if not allowed:
        with pytest.raises(WaitlistError):
            waitlist_entry_mark_urgent(
                entry=entry, urgent=True, reason="Cannot walk", acting_user=user
            )
        return
    with pytest.raises(WaitlistError):
        waitlist_entry_mark_urgent(entry=entry, urgent=True, reason="  ", acting_user=user)
    marked = waitlist_entry_mark_urgent(
        entry=entry, urgent=True, reason="Cannot walk", acting_user=user
    )
    assert (marked.urgent, marked.urgent_reason, marked.urgent_by_id) == (
        True,
        "Cannot walk",
        user.pk,
    )


@pytest.mark.parametrize("role", [RECEPTION, CLINICIAN, MANAGER])
def test_every_role_sees_the_list_and_figures(
    client, entry_factory, role, django_assert_max_num_queries
):
    for _ in range(5):
        entry_factory()
    client.force_login(staff(role))
    with django_assert_max_num_queries(20):
        listing = client.get(reverse("admin:booking_waitlistentry_changelist"))
    assert listing.status_code == 200
    figures = client.get(reverse("admin:booking_waitlistentry_figures"))
    assert figures.status_code == 200
    assert "Initial consultation" in figures.content.decode()


def test_staff_see_held_times_labelled(
    entry_factory, cancel_visit, slot, ctype, doctor, monkeypatch
):
    monkeypatch.setattr(offers, "entries_matching", lambda *a, **k: [])
    from booking.waitlist import holds

    monkeypatch.setattr(holds, "offer_next_enqueue", lambda **kw: None)
    entry_factory()
    cancel_visit()
    assert WaitlistHold.objects.filter(status="offering").exists()

    labels = dict(free_time_choices(consultation_type=ctype, day=slot.date(), practitioner=doctor))
    assert labels[slot.isoformat()].endswith(HELD_LABEL)
