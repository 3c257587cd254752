"""Every message's content, the .ics, sending through a real SMTP server, retries, resend."""

from __future__ import annotations

import email
import logging
from datetime import datetime, time, timedelta
from email import policy

import pytest
from celery.signals import task_prerun
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from icalendar import Calendar

from booking.messaging.compose import STAFF_KINDS
from booking.messaging.ics import appointment_ics
from booking.messaging.ledger import message_deliver, message_resend, messages_deliver, retry_delay
from booking.messaging.scan import SCANNED_KINDS
from booking.models import Appointment, ConsultationType, Intake, OutboundMessage
from booking.patients.identity import ContactDetails
from booking.patients.intake import IntakeDetails
from booking.profile import clinic_profile_get
from booking.scheduling.booking import appointment_book
from booking.scheduling.changes import (
    appointment_cancel,
    appointment_reschedule,
    appointment_set_status,
)
from booking.scheduling.clock import clinic_zone
from clinic.settings import smtp_mailer
from tests.factories import (
    AppointmentFactory,
    ConsultationTypeFactory,
    OutboundMessageFactory,
    PractitionerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Kind = OutboundMessage.Kind
MARKER = "ZQX-PRIVATE-7731"


def weekday_at(days_ahead: int, hour: int = 10) -> datetime:
    """A weekday `days_ahead` days from today (or the next weekday after it), clinic time."""
    day = timezone.localdate() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=clinic_zone())


@pytest.fixture
def practitioner():
    user = UserFactory(username="dr-lee", email="dr.lee@clinic.example")
    return PractitionerFactory(user=user, display_name="Dr. Lee", credentials="MD")


@pytest.fixture
def book(practitioner, django_capture_on_commit_callbacks):
    def _book(start: datetime | None = None, *, mode: str = ConsultationType.Mode.IN_PERSON, **kw):
        ctype = ConsultationTypeFactory(name="Knee consultation", mode=mode)
        practitioner.consultation_types.add(ctype)
        with django_capture_on_commit_callbacks(execute=True):
            return appointment_book(
                consultation_type=ctype,
                start=start or weekday_at(5),
                practitioner=practitioner,
                contact=ContactDetails(
                    full_name="Pat Example", email="pat@example.com", phone="+14135550100"
                ),
                intake=IntakeDetails(joints=["knee"], note=f"My knee {MARKER}"),
                **kw,
            )

    return _book


def parse(raw) -> email.message.EmailMessage:
    data = raw if isinstance(raw, bytes) else raw.message().as_bytes()
    return email.message_from_bytes(data, policy=policy.default)


def bodies(msg: email.message.EmailMessage) -> tuple[str, str]:
    return (
        msg.get_body(preferencelist=("plain",)).get_content(),
        msg.get_body(preferencelist=("html",)).get_content(),
    )


def calendar_of(msg: email.message.EmailMessage) -> Calendar | None:
    for part in msg.walk():
        if part.get_content_type() == "text/calendar":
            assert part.get_param("method") == "PUBLISH"
            return Calendar.from_ical(part.get_content())
    return None


def test_booking_sends_one_confirmation_and_one_clinic_notice(book, mailoutbox):
    appointment = book()

    assert len(mailoutbox) == 2
    patient, staff = sorted(mailoutbox, key=lambda m: m.to != ["pat@example.com"])
    assert patient.to == ["pat@example.com"]
    assert "Riverside Joint & Pain Clinic" in patient.from_email
    assert patient.subject.startswith("Your appointment at Riverside Joint & Pain Clinic is conf")
    assert sorted(staff.to) == ["dr.lee@clinic.example", "schedule@riverside-joint.example"]
    assert "Pat Example" not in staff.subject
    statuses = set(appointment.messages.values_list("kind", "status"))
    assert statuses == {(Kind.CONFIRMATION, "sent"), (Kind.STAFF_NEW, "sent")}


def test_confirmation_has_text_html_manage_link_and_labelled_clinic_time(book, mailoutbox):
    from booking.links.paths import manage_url

    appointment = book(weekday_at(5, hour=14))
    msg = parse(next(m for m in mailoutbox if m.to == ["pat@example.com"]))
    text, html = bodies(msg)
    local = appointment.start.astimezone(clinic_zone())
    label = f"2:00 PM {local.tzname()} (clinic time)"
    for body in (text, html):
        assert manage_url(appointment) in body
        assert label in body
        assert "120 Harbor Street" in body
        assert "Knee consultation" in body
        assert "{{" not in body
        assert "{%" not in body
    assert 'style="' in html  # inlined CSS, no <style> block for mail clients to drop
    assert "<style" not in html


def test_confirmation_ics_parses_with_times_uid_and_sequence(book, mailoutbox):
    appointment = book()
    msg = parse(next(m for m in mailoutbox if m.to == ["pat@example.com"]))
    cal = calendar_of(msg)

    assert cal is not None
    assert str(cal["method"]) == "PUBLISH"
    event = cal.walk("VEVENT")[0]
    assert str(event["uid"]) == f"{appointment.reference}@clinic"
    assert event.decoded("dtstart") == appointment.start
    assert event.decoded("dtend") == appointment.end
    assert int(event["sequence"]) == 0
    assert str(event["status"]) == "CONFIRMED"
    assert "120 Harbor Street" in str(event["location"])


def test_reschedule_and_cancellation_send_ics_with_same_uid_and_rising_sequence(
    book, mailoutbox, django_capture_on_commit_callbacks
):
    appointment = book()
    with django_capture_on_commit_callbacks(execute=True):
        appointment = appointment_reschedule(
            appointment=appointment, start=appointment.start + timedelta(hours=2)
        )
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=appointment, reason="Feeling better")

    patient_mails = [parse(m) for m in mailoutbox if m.to == ["pat@example.com"]]
    assert [m["Subject"].split(" ")[1] for m in patient_mails] == ["appointment"] * 3
    events = [calendar_of(m).walk("VEVENT")[0] for m in patient_mails]
    assert {str(e["uid"]) for e in events} == {f"{appointment.reference}@clinic"}
    assert [int(e["sequence"]) for e in events] == [0, 1, 2]
    assert [str(e["status"]) for e in events] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    assert "has moved to" in patient_mails[1]["Subject"]
    assert "is cancelled" in patient_mails[2]["Subject"]
    staff_kinds = set(
        appointment.messages.filter(kind__startswith="staff").values_list("kind", flat=True)
    )
    assert staff_kinds == {Kind.STAFF_NEW, Kind.STAFF_CHANGED, Kind.STAFF_CANCELLED}


def test_video_visit_emails_carry_the_video_link_and_no_address(book, mailoutbox):
    book(mode=ConsultationType.Mode.VIDEO)
    for sent in mailoutbox:
        text, html = bodies(parse(sent))
        assert "https://video.example/room" in text
        assert "https://video.example/room" in html
        assert "Where:" not in text


def test_appointment_ics_marks_cancelled_with_higher_sequence():
    appointment = AppointmentFactory(start=weekday_at(3), sequence=0)
    before = Calendar.from_ical(appointment_ics(appointment)).walk("VEVENT")[0]
    appointment.status = Appointment.Status.CANCELLED
    appointment.sequence = 1
    after = Calendar.from_ical(appointment_ics(appointment)).walk("VEVENT")[0]

    assert before["uid"] == after["uid"]
    assert int(after["sequence"]) > int(before["sequence"])
    assert str(after["status"]) == "CANCELLED"


@pytest.mark.parametrize("kind", list(Kind.values))
def test_every_kind_renders_text_and_html_without_health_details(kind, mailoutbox):
    appointment = AppointmentFactory(
        start=weekday_at(4),
        status=(
            Appointment.Status.CANCELLED
            if kind == Kind.CANCELLED
            else Appointment.Status.REQUESTED
            if kind == Kind.REQUEST_RECEIVED
            else Appointment.Status.CONFIRMED
        ),
        practitioner__user=UserFactory(email="doc@clinic.example"),
    )
    Intake.objects.filter(appointment=appointment).update(
        note=MARKER, current_medications=MARKER, previous_treatments=MARKER, imaging=MARKER
    )
    message = OutboundMessageFactory(appointment=appointment, kind=kind)
    if kind in SCANNED_KINDS:
        # As if resent by staff: the send-time check then ignores the original moment.
        OutboundMessage.objects.filter(pk=message.pk).update(resent_at=timezone.now())

    message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == "sent", message.last_error
    assert len(mailoutbox) == 1
    msg = parse(mailoutbox[0])
    text, html = bodies(msg)
    assert appointment.contact_name in text
    assert "Riverside Joint &amp; Pain Clinic" in html
    for part in (msg["Subject"], text, html):
        assert MARKER not in part
        assert "knee" not in part.lower().replace("knee consultation", "")
    if kind not in {*STAFF_KINDS, Kind.CANCELLED}:
        assert appointment.reference in text  # the manage link's token starts with it


def test_intake_marker_reaches_no_email_log_line_or_task_argument(
    book, mailoutbox, caplog, django_capture_on_commit_callbacks
):
    task_arguments = []

    def record(sender=None, args=None, kwargs=None, **_):
        task_arguments.append(repr((args, kwargs)))

    task_prerun.connect(record)
    caplog.set_level(logging.DEBUG)
    try:
        appointment = book(weekday_at(5))
        Intake.objects.filter(appointment=appointment).update(
            current_medications=MARKER, imaging=MARKER, aggravating_factors=MARKER
        )
        reminder = OutboundMessageFactory(
            appointment=appointment,
            kind=Kind.REMINDER,
            scheduled_for=timezone.now() - timedelta(minutes=1),
            resent_at=timezone.now(),
        )
        message_deliver(message_id=reminder.pk)
        with django_capture_on_commit_callbacks(execute=True):
            appointment = appointment_reschedule(
                appointment=appointment, start=appointment.start + timedelta(hours=1)
            )
        with django_capture_on_commit_callbacks(execute=True):
            appointment_cancel(appointment=appointment)
    finally:
        task_prerun.disconnect(record)

    assert len(mailoutbox) == 7
    assert task_arguments
    for sent in mailoutbox:
        raw = sent.message().as_bytes().decode("utf-8", "replace")
        assert MARKER not in raw
    assert not any(MARKER in args for args in task_arguments)
    assert caplog.records
    assert not any(MARKER in record.getMessage() for record in caplog.records)
    assert not OutboundMessage.objects.filter(last_error__contains=MARKER).exists()


def test_rolled_back_booking_sends_nothing(
    practitioner, mailoutbox, django_capture_on_commit_callbacks
):
    ctype = ConsultationTypeFactory()
    practitioner.consultation_types.add(ctype)

    class Abort(Exception):
        pass

    def book_then_fail() -> None:
        with transaction.atomic():
            appointment_book(
                consultation_type=ctype,
                start=weekday_at(5),
                practitioner=practitioner,
                contact=ContactDetails(full_name="Rita Rollback", email="r@example.com"),
            )
            raise Abort

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Abort):
        book_then_fail()
    assert callbacks == []
    assert mailoutbox == []
    assert not OutboundMessage.objects.exists()


def test_requested_visit_gets_request_received_then_confirmation(
    practitioner, mailoutbox, django_capture_on_commit_callbacks
):
    ctype = ConsultationTypeFactory(requires_approval=True)
    practitioner.consultation_types.add(ctype)
    with django_capture_on_commit_callbacks(execute=True):
        appointment = appointment_book(
            consultation_type=ctype,
            start=weekday_at(6),
            practitioner=practitioner,
            contact=ContactDetails(full_name="Ann Asker", email="ann@example.com"),
        )
    with django_capture_on_commit_callbacks(execute=True):
        appointment_set_status(
            appointment=appointment, status=Appointment.Status.CONFIRMED, acting_user=None
        )
    patient_subjects = [m.subject for m in mailoutbox if m.to == ["ann@example.com"]]
    assert len(patient_subjects) == 2
    assert patient_subjects[0].startswith("We received your appointment request")
    assert "is confirmed" in patient_subjects[1]


def test_message_without_recipient_is_skipped(mailoutbox):
    appointment = AppointmentFactory(start=weekday_at(3), practitioner__user=None)
    profile = clinic_profile_get()
    profile.notifications_email = ""
    profile.save()
    message = OutboundMessageFactory(appointment=appointment, kind=Kind.STAFF_NEW)

    message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert (message.status, message.last_error) == ("skipped", "No address to send it to.")
    assert mailoutbox == []


def test_deliver_run_three_times_sends_one_email(mailoutbox):
    message = OutboundMessageFactory(appointment__start=weekday_at(3))
    for _ in range(3):
        message_deliver(message_id=message.pk)
    assert len(mailoutbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 1)
    assert message.sent_at is not None


def test_message_held_by_a_live_lease_is_not_sent_again(mailoutbox):
    message = OutboundMessageFactory(
        appointment__start=weekday_at(3),
        status="sending",
        lease_until=timezone.now() + timedelta(minutes=5),
    )
    message_deliver(message_id=message.pk)
    assert mailoutbox == []


def test_message_with_expired_lease_is_reclaimed(mailoutbox):
    message = OutboundMessageFactory(
        appointment__start=weekday_at(3),
        status="sending",
        attempts=1,
        lease_until=timezone.now() - timedelta(seconds=1),
    )
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts, len(mailoutbox)) == ("sent", 2, 1)


def test_smtp_delivery_through_a_real_server(smtp_server):
    message = OutboundMessageFactory(appointment__start=weekday_at(3))
    message_deliver(message_id=message.pk)
    assert len(smtp_server.messages) == 1
    received = parse(smtp_server.messages[0])
    assert received["X-Clinic-Message"] == str(message.pk)
    assert calendar_of(received) is not None


def test_transient_smtp_refusal_keeps_claim_for_backoff_then_sends(smtp_server, settings):
    settings.EMAIL_RETRY_BACKOFF_SECONDS = 60
    smtp_server.refuse_next(1, "451 4.3.0 Mailbox busy")
    message = OutboundMessageFactory(appointment__start=weekday_at(3))

    retry_in = message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert 30 <= retry_in <= 60
    assert message.status == "sending"
    assert "451" in message.last_error
    assert message.lease_until > timezone.now() + timedelta(seconds=25)
    assert message_deliver(message_id=message.pk) is None  # backoff not over
    assert smtp_server.messages == []

    later = message.lease_until + timedelta(seconds=1)
    assert message_deliver(message_id=message.pk, now=later) is None
    message.refresh_from_db()
    assert (message.status, message.attempts, len(smtp_server.messages)) == ("sent", 2, 1)


def test_permanent_smtp_refusal_marks_failed_with_error(smtp_server):
    smtp_server.refuse_next(1, "554 5.7.1 Rejected")
    message = OutboundMessageFactory(appointment__start=weekday_at(3))

    assert message_deliver(message_id=message.pk) is None

    message.refresh_from_db()
    assert message.status == "failed"
    assert "554" in message.last_error
    assert OutboundMessage.objects.filter(status="failed").count() == 1


def test_connection_refused_is_transient_and_gives_up_after_max_attempts(settings):
    settings.MAILERS = {"default": smtp_mailer(host="127.0.0.1", port=9)}  # nothing listens
    settings.EMAIL_MAX_ATTEMPTS = 2
    message = OutboundMessageFactory(appointment__start=weekday_at(3))

    assert message_deliver(message_id=message.pk) is not None
    message.refresh_from_db()
    message_deliver(message_id=message.pk, now=message.lease_until + timedelta(seconds=1))

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 2)
    assert "ConnectionRefusedError" in message.last_error


def test_retry_delay_grows_exponentially_with_jitter_and_a_cap(settings):
    settings.EMAIL_RETRY_BACKOFF_SECONDS = 10
    settings.EMAIL_RETRY_BACKOFF_MAX_SECONDS = 100
    delays = [retry_delay(attempt=n) for n in (1, 2, 3, 8)]
    assert 5 <= delays[0] <= 10
    assert 10 <= delays[1] <= 20
    assert 20 <= delays[2] <= 40
    assert 50 <= delays[3] <= 100


def test_resend_failed_message_resets_it_and_sends(mailoutbox, django_capture_on_commit_callbacks):
    staff = UserFactory()
    message = OutboundMessageFactory(
        appointment__start=weekday_at(3), status="failed", attempts=8, last_error="554 no"
    )
    with django_capture_on_commit_callbacks(execute=True):
        resent = message_resend(message_id=message.pk, acting_user=staff)

    resent.refresh_from_db()
    assert resent.pk == message.pk
    assert (resent.status, resent.attempts, resent.resent_by) == ("sent", 1, staff)
    assert len(mailoutbox) == 1


def test_resend_sent_message_creates_a_fresh_row(mailoutbox, django_capture_on_commit_callbacks):
    message = OutboundMessageFactory(appointment__start=weekday_at(3), status="sent")
    with django_capture_on_commit_callbacks(execute=True):
        resent = message_resend(message_id=message.pk)
    assert resent.pk != message.pk
    assert OutboundMessage.objects.filter(status="sent").count() == 2
    assert len(mailoutbox) == 1


def test_no_patient_email_for_a_cancelled_visit_except_its_cancellation(mailoutbox):
    appointment = AppointmentFactory(start=weekday_at(3), status=Appointment.Status.CANCELLED)
    confirmation = OutboundMessageFactory(appointment=appointment, kind=Kind.CONFIRMATION)
    cancellation = OutboundMessageFactory(appointment=appointment, kind=Kind.CANCELLED)
    messages_deliver(message_ids=[confirmation.pk, cancellation.pk])

    confirmation.refresh_from_db()
    assert confirmation.status == "skipped"
    assert [m.subject.split(" is ")[-1] for m in mailoutbox] == ["cancelled"]


def test_sender_name_is_the_clinics_and_reply_goes_to_its_public_address(mailoutbox):
    message = OutboundMessageFactory(appointment__start=weekday_at(3))
    message_deliver(message_id=message.pk)
    sent = mailoutbox[0]
    assert sent.from_email.startswith("Riverside Joint & Pain Clinic <")
    assert settings.DEFAULT_FROM_EMAIL.split("<")[-1].rstrip(">") in sent.from_email
    assert sent.reply_to == [clinic_profile_get().email]


def test_embedded_outbox_backend_writes_one_eml_per_message(settings, tmp_path):
    settings.MAILERS = {"default": {"BACKEND": "clinic.mail.OutboxBackend"}}
    settings.EMAIL_OUTBOX_DIR = tmp_path / "outbox"
    message = OutboundMessageFactory(appointment__start=weekday_at(3))

    message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == "sent", message.last_error
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    assert calendar_of(parse(files[0].read_bytes())) is not None


def test_batch_out_of_time_hands_the_rest_back_and_each_is_sent_once(settings, mailoutbox):
    settings.EMAIL_TASK_TIME_LIMIT_SECONDS = 0  # every batch runs out after its first message
    ids = [OutboundMessageFactory(appointment__start=weekday_at(3)).pk for _ in range(3)]

    messages_deliver(message_ids=ids)

    rows = OutboundMessage.objects.filter(pk__in=ids)
    assert sorted(rows.values_list("status", "attempts")) == [("sent", 1)] * 3
    assert len(mailoutbox) == 3


def test_task_retry_on_transient_error_does_not_raise_to_the_caller(smtp_server):
    from booking.messaging.tasks import deliver_message

    smtp_server.refuse_next(1, "421 4.7.0 Try again later")
    message = OutboundMessageFactory(appointment__start=weekday_at(3))

    deliver_message.delay(message.pk)  # eager here; a worker would retry after the backoff

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sending", 1)
    assert "421" in message.last_error
    assert smtp_server.messages == []


EXPECTED_ICS_STATUS = {
    Appointment.Status.REQUESTED: "TENTATIVE",
    Appointment.Status.CONFIRMED: "CONFIRMED",
    Appointment.Status.ARRIVED: "CONFIRMED",
    Appointment.Status.COMPLETED: "CONFIRMED",
    Appointment.Status.NO_SHOW: "CONFIRMED",
    Appointment.Status.CANCELLED: "CANCELLED",
}


@pytest.mark.parametrize("status", list(Appointment.Status))
def test_appointment_ics_status_follows_every_appointment_status(status):
    appointment = AppointmentFactory(start=weekday_at(3), status=status)
    event = Calendar.from_ical(appointment_ics(appointment)).walk("VEVENT")[0]
    assert str(event["status"]) == EXPECTED_ICS_STATUS[status]


def test_requested_visit_downloads_as_tentative(client):
    from booking.links.tokens import manage_token

    appointment = AppointmentFactory(start=weekday_at(3), status=Appointment.Status.REQUESTED)
    response = client.get(f"/book/manage/{manage_token(appointment)}/calendar.ics")
    assert response.status_code == 200
    assert b"STATUS:TENTATIVE" in response.content
