"""Which reminders go out, when: offsets, opt-out, cancel, reschedule, late booking, outage, DST."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from booking.messaging.compose import format_local
from booking.messaging.health import SCAN_HEARTBEAT, reminder_pipeline_fresh
from booking.messaging.scan import due_messages_scan, scheduled_moments
from booking.models import Appointment, Intake, OutboundMessage, TaskHeartbeat
from booking.patients.identity import ContactDetails
from booking.profile import clinic_profile_get
from booking.scheduling.booking import appointment_book
from tests.factories import (
    AppointmentFactory,
    ConsultationTypeFactory,
    OutboundMessageFactory,
    PractitionerFactory,
)

pytestmark = pytest.mark.django_db

Kind = OutboundMessage.Kind
NEW_YORK = ZoneInfo("America/New_York")


def visit(starts_in: timedelta, *, booked_ago: timedelta = timedelta(days=7), **kw) -> Appointment:
    """A confirmed visit starting `starts_in` from now, booked `booked_ago`."""
    appointment = AppointmentFactory(start=timezone.now() + starts_in, **kw)
    Appointment.objects.filter(pk=appointment.pk).update(created_at=timezone.now() - booked_ago)
    appointment.refresh_from_db()
    return appointment


def reminders(mailoutbox) -> list:
    return [m for m in mailoutbox if m.subject.startswith("Reminder:")]


def reminder_rows(appointment: Appointment) -> list[tuple[timedelta, str]]:
    return sorted(
        (appointment.start - m.scheduled_for, m.status)
        for m in appointment.messages.filter(kind=Kind.REMINDER)
    )


def test_scan_sends_reminder_due_now_once(mailoutbox):
    appointment = visit(timedelta(hours=2) - timedelta(minutes=10))

    due_messages_scan()
    due_messages_scan()

    assert [m.to for m in reminders(mailoutbox)] == [[appointment.contact_email]]
    assert (timedelta(hours=2), "sent") in reminder_rows(appointment)


def test_scan_creates_nothing_before_the_moment(mailoutbox):
    appointment = visit(timedelta(hours=2, minutes=5))
    due_messages_scan()
    assert reminders(mailoutbox) == []
    assert timedelta(hours=2) not in dict(reminder_rows(appointment))


def test_reminder_found_late_beyond_allowed_lateness_is_recorded_skipped(mailoutbox):
    # The 48 h reminder's moment was 46 h ago (an outage): far beyond the 60 minutes allowed.
    appointment = visit(timedelta(hours=2, minutes=30))

    due_messages_scan()

    assert reminders(mailoutbox) == []
    skipped = appointment.messages.get(kind=Kind.REMINDER)
    assert appointment.start - skipped.scheduled_for == timedelta(hours=48)
    assert skipped.status == "skipped"
    assert "too late" in skipped.last_error.lower()


def test_reminder_found_late_within_allowed_lateness_is_sent(mailoutbox):
    profile = clinic_profile_get()
    profile.reminder_max_lateness_minutes = 120
    profile.save()
    visit(timedelta(minutes=30))  # the 2 h reminder is 90 minutes late

    due_messages_scan()

    assert len(reminders(mailoutbox)) == 1


def test_reminder_whose_moment_passed_before_booking_is_not_sent(mailoutbox):
    appointment = visit(timedelta(hours=1, minutes=50), booked_ago=timedelta(minutes=1))

    due_messages_scan()

    assert reminders(mailoutbox) == []
    assert reminder_rows(appointment) == [
        (timedelta(hours=2), "skipped"),
        (timedelta(hours=48), "skipped"),
    ]


def test_booking_records_already_passed_reminders_as_skipped(
    django_capture_on_commit_callbacks, mailoutbox
):
    ctype = ConsultationTypeFactory()
    practitioner = PractitionerFactory(consultation_types=[ctype], weekly_hours=[])
    start = timezone.now().replace(microsecond=0, second=0) + timedelta(hours=30)
    # Hours that always include the chosen start, whatever the weekday.
    from booking.models import WorkingHours

    local = start.astimezone(NEW_YORK)
    WorkingHours.objects.create(
        practitioner=practitioner,
        weekday=local.weekday(),
        start_time=local.time().replace(minute=0),
        end_time=(local + timedelta(hours=1)).time().replace(minute=59)
        if local.hour < 23
        else local.time().replace(minute=59),
    )
    start = local.replace(minute=0)
    with django_capture_on_commit_callbacks(execute=True):
        appointment = appointment_book(
            consultation_type=ctype,
            start=start,
            practitioner=practitioner,
            contact=ContactDetails(full_name="Late Booker", email="late@example.com"),
        )

    assert reminder_rows(appointment) == [(timedelta(hours=48), "skipped")]
    questionnaire = appointment.messages.get(kind=Kind.QUESTIONNAIRE)
    assert questionnaire.status == "skipped"
    due_messages_scan()
    assert reminders(mailoutbox) == []


def test_patient_who_opted_out_gets_no_reminder(mailoutbox):
    appointment = visit(timedelta(hours=1, minutes=50), reminders_enabled=False)
    due_messages_scan()
    assert reminders(mailoutbox) == []
    assert reminder_rows(appointment) == []


def test_opt_out_after_the_reminder_was_queued_skips_it(mailoutbox):
    appointment = visit(timedelta(hours=1, minutes=50), reminders_enabled=False)
    OutboundMessageFactory(
        appointment=appointment,
        kind=Kind.REMINDER,
        scheduled_for=appointment.start - timedelta(hours=2),
    )
    due_messages_scan()
    assert reminders(mailoutbox) == []
    assert reminder_rows(appointment) == [(timedelta(hours=2), "skipped")]


def test_cancelled_visit_gets_no_reminder_even_if_one_was_queued(mailoutbox):
    appointment = visit(timedelta(hours=1, minutes=50), status=Appointment.Status.CANCELLED)
    queued = OutboundMessageFactory(
        appointment=appointment,
        kind=Kind.REMINDER,
        scheduled_for=appointment.start - timedelta(hours=2),
    )

    due_messages_scan()

    queued.refresh_from_db()
    assert reminders(mailoutbox) == []
    assert queued.status == "skipped"
    assert "no longer open" in queued.last_error
    assert appointment.messages.filter(kind=Kind.REMINDER).count() == 1


def test_requested_visit_gets_no_reminder_until_confirmed(mailoutbox):
    appointment = visit(timedelta(hours=1, minutes=50), status=Appointment.Status.REQUESTED)
    due_messages_scan()
    assert reminders(mailoutbox) == []
    assert reminder_rows(appointment) == []


def test_past_visit_gets_no_reminder(mailoutbox):
    appointment = visit(-timedelta(minutes=5))
    due_messages_scan()
    assert reminders(mailoutbox) == []
    assert reminder_rows(appointment) == []


def test_rescheduled_visit_skips_old_reminder_and_sends_one_for_new_time(mailoutbox):
    # Moved from 1 h 55 min from now to 1 h 50 min from now: the old 2 h reminder (due 5 min
    # ago) no longer matches; the new one (due 10 min ago) goes out instead.
    appointment = visit(timedelta(hours=1, minutes=50), sequence=1)
    old = OutboundMessageFactory(
        appointment=appointment,
        kind=Kind.REMINDER,
        scheduled_for=timezone.now() - timedelta(minutes=5),
    )

    due_messages_scan()

    old.refresh_from_db()
    assert old.status == "skipped"
    assert "moved" in old.last_error
    assert len(reminders(mailoutbox)) == 1
    assert (timedelta(hours=2), "sent") in reminder_rows(appointment)


def test_offsets_come_from_the_clinic_profile(mailoutbox):
    profile = clinic_profile_get()
    profile.reminder_offsets = "24, 3"
    profile.save()
    appointment = visit(timedelta(hours=23, minutes=50))

    due_messages_scan()

    assert len(reminders(mailoutbox)) == 1
    assert (timedelta(hours=24), "sent") in reminder_rows(appointment)


def test_scan_enqueues_each_reminder_once_over_many_visits(
    mailoutbox, django_assert_max_num_queries
):
    for _ in range(20):
        visit(timedelta(hours=1, minutes=55))
    with django_assert_max_num_queries(12 + 2 * 20 * 3):
        due_messages_scan()
    due_messages_scan()
    assert len(reminders(mailoutbox)) == 20
    assert OutboundMessage.objects.filter(kind=Kind.REMINDER, status="sent").count() == 20


def test_questionnaire_invitation_is_sent_once_and_not_after_completion(mailoutbox, settings):
    settings.QUESTIONNAIRE_INVITE_HOURS_BEFORE = 72
    pending = visit(timedelta(hours=71, minutes=50))
    done = visit(timedelta(hours=71, minutes=50))
    Intake.objects.filter(appointment=done).update(questionnaire_completed_at=timezone.now())

    due_messages_scan()
    due_messages_scan()

    invitations = [m for m in mailoutbox if "questionnaire" in m.subject]
    assert [m.to for m in invitations] == [[pending.contact_email]]
    assert done.messages.get(kind=Kind.QUESTIONNAIRE).status == "skipped"


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Clocks fall back on Sunday 1 November 2026: 48 real hours before Monday 10:00 EST
        # is Saturday 11:00 EDT.
        (
            datetime(2026, 11, 2, 10, 0, tzinfo=NEW_YORK),
            [
                datetime(2026, 10, 31, 11, 0, tzinfo=NEW_YORK),
                datetime(2026, 11, 2, 8, 0, tzinfo=NEW_YORK),
            ],
        ),
        # Clocks spring forward on Sunday 14 March 2027.
        (
            datetime(2027, 3, 15, 10, 0, tzinfo=NEW_YORK),
            [
                datetime(2027, 3, 13, 9, 0, tzinfo=NEW_YORK),
                datetime(2027, 3, 15, 8, 0, tzinfo=NEW_YORK),
            ],
        ),
    ],
)
def test_reminder_offsets_are_real_hours_across_dst(start, expected):
    moments = scheduled_moments(start=start, reminders_enabled=True, profile=clinic_profile_get())
    reminder_moments = [m for kind, m in moments if kind == Kind.REMINDER]
    assert reminder_moments == expected
    assert [start - m for m in reminder_moments] == [timedelta(hours=48), timedelta(hours=2)]


def test_times_in_emails_name_the_clinic_zone_across_dst():
    assert format_local(datetime(2026, 10, 31, 15, 0, tzinfo=ZoneInfo("UTC"))) == (
        "Saturday, October 31, 2026 at 11:00 AM EDT"
    )
    assert format_local(datetime(2026, 11, 2, 15, 0, tzinfo=ZoneInfo("UTC"))) == (
        "Monday, November 2, 2026 at 10:00 AM EST"
    )


def test_scan_records_its_heartbeat():
    before = timezone.now()
    due_messages_scan()
    assert TaskHeartbeat.objects.get(name=SCAN_HEARTBEAT).last_run_at >= before
    assert reminder_pipeline_fresh() is True


def test_healthz_turns_503_when_the_scan_is_stale(client, settings):
    settings.REMINDER_SCAN_INTERVAL_SECONDS = 120
    TaskHeartbeat.objects.update_or_create(
        name=SCAN_HEARTBEAT, defaults={"last_run_at": timezone.now() - timedelta(seconds=361)}
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["reminders"] is False

    due_messages_scan()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content)["checks"]["reminders"] is True


def test_expired_lease_is_reclaimed_by_the_next_scan(mailoutbox):
    appointment = visit(timedelta(hours=1, minutes=55))
    stuck = OutboundMessageFactory(
        appointment=appointment,
        kind=Kind.REMINDER,
        scheduled_for=appointment.start - timedelta(hours=2),
        status="sending",
        attempts=1,
        lease_until=timezone.now() - timedelta(seconds=1),
    )
    due_messages_scan()
    stuck.refresh_from_db()
    assert (stuck.status, stuck.attempts) == ("sent", 2)
    assert len(reminders(mailoutbox)) == 1


def _migrated_at(moment):
    from django.db.migrations.recorder import MigrationRecorder

    MigrationRecorder.Migration.objects.update(applied=moment)


def test_no_heartbeat_is_fresh_during_the_start_up_grace(settings):
    settings.REMINDER_SCAN_INTERVAL_SECONDS = 120
    TaskHeartbeat.objects.all().delete()
    _migrated_at(timezone.now() - timedelta(seconds=359))
    assert reminder_pipeline_fresh() is True


def test_no_heartbeat_after_the_grace_is_as_stale_as_an_old_one(client, settings):
    settings.REMINDER_SCAN_INTERVAL_SECONDS = 120
    TaskHeartbeat.objects.all().delete()
    _migrated_at(timezone.now() - timedelta(seconds=361))
    assert reminder_pipeline_fresh() is False
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["reminders"] is False

    due_messages_scan()
    assert client.get("/healthz").status_code == 200


def test_a_heartbeat_is_judged_by_its_own_age_not_by_the_grace(settings):
    settings.REMINDER_SCAN_INTERVAL_SECONDS = 120
    _migrated_at(timezone.now())  # a deploy just now does not excuse a beat that stopped
    TaskHeartbeat.objects.update_or_create(
        name=SCAN_HEARTBEAT, defaults={"last_run_at": timezone.now() - timedelta(seconds=361)}
    )
    assert reminder_pipeline_fresh() is False
