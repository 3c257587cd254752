"""A moved plan visit that breaks a later step's window: staff are told on the front desk (the
admin index, the day view, the list) until someone marks it handled, and the plan's clinician
gets one email through the ledger without any health detail."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from booking.backoffice.roles import CLINICIAN, EDITOR, MANAGER, RECEPTION
from booking.messaging.ledger import messages_deliver
from booking.models import Appointment, OutboundMessage, TimeOff
from booking.scheduling.changes import appointment_reschedule
from care.models import RescheduleAlert
from care.plans import plan_end, plan_start, plan_steps
from care.rescheduling import NOTICE, plan_windows_recheck
from care.series import plan_book_remaining
from tests.factories import AppointmentFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
Reason = RescheduleAlert.Reason


@pytest.fixture
def booked(course):
    """The knee course, every step booked: consult on day D (a Tuesday), the procedure D+7,
    follow-ups D+20 and D+48, all at 09:00 with Dr. Reyes (who has an email)."""
    course["clinician"].email = "ada.reyes@clinic.example"
    course["clinician"].save()
    plan = plan_start(appointment=course["visit"], template=course["template"])
    plan_book_remaining(plan=plan)
    return plan


def _visit(plan, position: int) -> Appointment:
    return next(s for s in plan_steps(plan) if s.position == position).appointment


def _shift(visit: Appointment, days: int) -> None:
    """Move the visit's row by `days` behind the services' back (no event)."""
    delta = timedelta(days=days)
    Appointment.objects.filter(pk=visit.pk).update(
        start=F("start") + delta,
        end=F("end") + delta,
        occupied_start=F("occupied_start") + delta,
        occupied_end=F("occupied_end") + delta,
    )


def _move(visit: Appointment, days: int, capture) -> Appointment:
    """Staff move the visit `days` later, same time of day; events heard after commit."""
    local = visit.start.astimezone(NEW_YORK)
    day = local.date() + timedelta(days=days)
    start = datetime.combine(day, local.time(), tzinfo=NEW_YORK)
    with capture(execute=True):
        return appointment_reschedule(
            appointment=visit,
            start=start,
            acting_user=StaffUserFactory(role=RECEPTION),
            source=Appointment.Source.ADMIN,
            apply_patient_rules=False,
        )


def test_a_move_that_pushes_a_booked_follow_up_out_of_its_window_alerts_staff(
    booked, course, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    # The procedure moves 10 days later (still inside its own window, 7-21 days): the first
    # follow-up, booked 13 days after the old date, is now before its 12-16 day window.
    _move(_visit(booked, 2), 10, django_capture_on_commit_callbacks)
    [alert] = RescheduleAlert.objects.all()
    assert (alert.plan, alert.step.position, alert.reason) == (booked, 3, Reason.OUT_OF_WINDOW)
    assert alert.detail.startswith("Step 3 (Follow-up) is booked on ")
    assert "outside its window" in alert.detail
    assert "Step 2 moved to " in alert.detail
    assert alert.handled_at is None
    # One notice to the clinician, through the ledger, with nothing but a link.
    notice = OutboundMessage.objects.get(kind=NOTICE)
    assert notice.status == OutboundMessage.Status.SENT
    [email] = [m for m in mail.outbox if m.to == ["ada.reyes@clinic.example"]]
    assert email.subject == "A care plan needs rescheduling"
    assert reverse("admin:care_reschedulealert_changelist") + "?handled=open" in email.body
    html = email.alternatives[0][0]
    for secret in (
        booked.patient.full_name,
        booked.patient.email,
        "Follow-up",
        "PRP",
        "Knee",
        str(timezone.now().year),
        "Step",
    ):
        assert secret not in email.body, secret
        assert secret not in html, secret


def test_a_move_that_keeps_every_window_alerts_no_one(
    booked, course, django_capture_on_commit_callbacks
):
    # One day later: the follow-up 12 days after the new date still fits (12-16).
    _move(_visit(booked, 2), 1, django_capture_on_commit_callbacks)
    assert not RescheduleAlert.objects.exists()
    assert not OutboundMessage.objects.filter(kind=NOTICE).exists()


def test_an_unbooked_step_left_without_free_time_in_its_window_is_alerted(
    booked, course, django_capture_on_commit_callbacks
):
    Appointment.objects.filter(pk__in=[_visit(booked, 3).pk, _visit(booked, 4).pk]).update(
        status=Appointment.Status.CANCELLED
    )
    procedure_day = _visit(booked, 2).start.astimezone(NEW_YORK).date()
    # Dr. Reyes is away from 20 to 40 days after the procedure's current date.
    away = datetime.combine(procedure_day + timedelta(days=20), time(0), tzinfo=NEW_YORK)
    TimeOff.objects.create(practitioner=course["doctor"], start=away, end=away + timedelta(20))
    _move(_visit(booked, 2), 10, django_capture_on_commit_callbacks)
    [alert] = RescheduleAlert.objects.all()
    assert (alert.step.position, alert.reason) == (3, Reason.NO_FREE_TIME)
    assert "Dr. Ada Reyes has no free time left in its window" in alert.detail


def test_what_was_broken_before_the_move_is_not_news(
    booked, course, django_capture_on_commit_callbacks
):
    follow_up = _visit(booked, 3)
    _shift(follow_up, 30)
    _move(_visit(booked, 2), 1, django_capture_on_commit_callbacks)
    assert not RescheduleAlert.objects.exists()


def test_breaking_again_updates_the_open_alert_instead_of_adding_one(
    booked, course, django_capture_on_commit_callbacks
):
    procedure = _visit(booked, 2)
    _move(procedure, 10, django_capture_on_commit_callbacks)
    _move(Appointment.objects.get(pk=procedure.pk), -10, django_capture_on_commit_callbacks)
    _move(Appointment.objects.get(pk=procedure.pk), 9, django_capture_on_commit_callbacks)
    [alert] = RescheduleAlert.objects.all()
    assert alert.handled_at is None
    assert OutboundMessage.objects.filter(kind=NOTICE).count() == 2


def test_nothing_for_an_ended_plan_or_a_visit_in_no_plan(booked, course):
    elsewhere = AppointmentFactory(
        consultation_type=course["consult"], start=timezone.now() + timedelta(days=3)
    )
    assert plan_windows_recheck(appointment_id=elsewhere.pk, previous_start=None) == []
    plan_end(plan=booked, reason="Moved away")
    procedure = _visit(booked, 2)
    _shift(procedure, 10)
    assert plan_windows_recheck(appointment_id=procedure.pk, previous_start=procedure.start) == []
    assert not RescheduleAlert.objects.exists()


def test_a_notice_not_sent_before_the_alert_was_handled_is_skipped(booked):
    procedure = _visit(booked, 2)
    _shift(procedure, 10)
    [alert] = plan_windows_recheck(appointment_id=procedure.pk, previous_start=procedure.start)
    RescheduleAlert.objects.filter(pk=alert.pk).update(handled_at=timezone.now())
    notice = OutboundMessage.objects.get(kind=NOTICE)
    messages_deliver(message_ids=[notice.pk])
    notice.refresh_from_db()
    assert (notice.status, notice.last_error) == ("skipped", "Already handled.")


# --- The front desk -----------------------------------------------------------------------


@pytest.fixture
def alert(booked):
    procedure = _visit(booked, 2)
    _shift(procedure, 10)
    [alert] = plan_windows_recheck(appointment_id=procedure.pk, previous_start=procedure.start)
    return alert


@pytest.mark.parametrize("role", [RECEPTION, MANAGER, CLINICIAN, "the plan's clinician"])
def test_who_sees_the_plans_to_reschedule_and_marks_them_handled(client, course, alert, role):
    user = course["clinician"] if role == "the plan's clinician" else StaffUserFactory(role=role)
    client.force_login(user)
    sees = role != CLINICIAN  # another clinician sees their own plans only
    index = client.get(reverse("admin:index")).content.decode()
    assert ('id="care-reschedules"' in index) is sees
    day = client.get(reverse("admin:booking_schedule_day")).content.decode()
    assert ('id="care-reschedule-warning"' in day) is sees
    listing = client.get(reverse("admin:care_reschedulealert_changelist") + "?handled=open")
    assert listing.status_code == 200
    assert (alert.detail in listing.content.decode()) is sees
    response = client.post(reverse("admin:care_reschedulealert_handled", args=[alert.pk]))
    assert response.status_code == (302 if sees else 404)
    alert.refresh_from_db()
    assert (alert.handled_at is not None) is sees
    if sees:
        assert alert.handled_by == user
        assert 'id="care-reschedules"' not in client.get(reverse("admin:index")).content.decode()


def test_editors_see_nothing_and_may_not_mark(client, alert):
    client.force_login(StaffUserFactory(role=EDITOR))
    assert b"care-reschedules" not in client.get(reverse("admin:index")).content
    assert client.get(reverse("admin:care_reschedulealert_changelist")).status_code == 403
    response = client.post(reverse("admin:care_reschedulealert_handled", args=[alert.pk]))
    assert response.status_code == 403


@pytest.mark.parametrize("raw", ["x", "0", "9" * 40, "-1"])
def test_bad_alert_ids_are_404s_and_get_is_405(client, alert, raw):
    client.force_login(StaffUserFactory(role=RECEPTION))
    url = reverse("admin:care_reschedulealert_handled", args=[raw])
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 405
