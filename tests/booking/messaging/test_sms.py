"""Text reminders: the channel's backends, rows beside the emails, opt-in/out, quiet hours,
wording (GSM-7, one segment, no health details)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from booking.messaging.kinds import channel_connection, message_kind_get
from booking.messaging.scan import due_messages_scan
from booking.messaging.sms import backends
from booking.messaging.sms.compose import TEXTS, format_short, text_body, text_link
from booking.messaging.sms.consent import sms_opt_in_record, sms_opt_out_record
from booking.messaging.sms.inbound import REPLIES
from booking.messaging.sms.message import TextMessage
from booking.messaging.sms.quiet import QUIET_SKIP_REASON, sms_moment
from booking.messaging.sms.segments import GSM7, UCS2, encoding, is_gsm7, segment_count, units
from booking.models import Appointment, ClinicProfile, OutboundMessage
from tests.factories import AppointmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("texts_any_hour")]

Kind = OutboundMessage.Kind
NEW_YORK = ZoneInfo("America/New_York")


def visit(starts_in: timedelta, *, texts: bool = True, **kw) -> Appointment:
    appointment = AppointmentFactory(
        start=timezone.now() + starts_in, contact_phone="+14135550199", **kw
    )
    Appointment.objects.filter(pk=appointment.pk).update(
        created_at=timezone.now() - timedelta(days=7)
    )
    appointment.refresh_from_db()
    if texts:
        sms_opt_in_record(appointment=appointment)
    return appointment


def rows(appointment: Appointment, channel: str) -> list[str]:
    return sorted(
        m.status for m in appointment.messages.filter(kind=Kind.REMINDER, channel=channel)
    )


def test_file_backend_writes_one_readable_file_per_text(tmp_path):
    connection = backends.FileBackend(directory=tmp_path)
    with connection:
        sent = connection.send_messages(
            [TextMessage(to="+14135550199", body="Hello there", message_id=7)]
        )
    assert sent == 1
    [path] = tmp_path.iterdir()
    assert path.name.endswith("-+14135550199-7.txt")
    assert path.read_text() == "To: +14135550199\nCharacters: 11\n\nHello there\n"


def test_the_ledger_knows_the_sms_channel_and_its_kinds(settings):
    assert isinstance(channel_connection(channel="sms"), backends.LocmemBackend)
    settings.SMS_BACKEND = "booking.messaging.sms.backends.FileBackend"
    assert isinstance(channel_connection(channel="sms"), backends.FileBackend)
    assert message_kind_get(kind=Kind.REMINDER, channel="sms").kind == Kind.REMINDER


def test_scan_sends_a_text_beside_the_email_once(sms_outbox, mailoutbox):
    appointment = visit(timedelta(hours=2) - timedelta(minutes=10))

    due_messages_scan()
    due_messages_scan()

    assert [t.to for t in sms_outbox] == ["+14135550199"]
    # The 48-hour one was found too late (the visit is 2 hours away), like its email.
    assert rows(appointment, "sms") == ["sent", "skipped"]
    assert "sent" in rows(appointment, "email")
    text = sms_outbox[0].body
    assert appointment.consultation_type.name not in text
    assert "/m/" in text
    assert "/book/manage/" not in text


def test_no_text_without_opt_in_or_after_opt_out(sms_outbox, mailoutbox):
    not_opted = visit(timedelta(hours=2) - timedelta(minutes=10), texts=False)
    opted_out = visit(timedelta(hours=2) - timedelta(minutes=10))
    sms_opt_out_record(patient_id=opted_out.patient_id, reason="STOP")

    due_messages_scan()

    assert sms_outbox == []
    assert rows(not_opted, "sms") == []
    assert rows(opted_out, "sms") == ["skipped", "skipped"]
    assert opted_out.messages.filter(
        channel="sms", last_error="The patient opted out of texts."
    ).exists()
    assert "sent" in rows(opted_out, "email")


def test_texts_do_not_need_email_reminders(sms_outbox, mailoutbox):
    appointment = visit(timedelta(hours=2) - timedelta(minutes=10), reminders_enabled=False)
    due_messages_scan()
    assert rows(appointment, "sms") == ["sent", "skipped"]
    assert rows(appointment, "email") == []


def test_a_failing_text_does_not_block_the_email(settings, mailoutbox):
    settings.SMS_BACKEND = "tests.booking.test_sms.BrokenBackend"
    appointment = visit(timedelta(hours=2) - timedelta(minutes=10))

    due_messages_scan()

    assert rows(appointment, "sms") == ["failed", "skipped"]
    assert "sent" in rows(appointment, "email")


class BrokenBackend(backends.BaseSmsBackend):
    def send_messages(self, messages):
        raise backends.SmsRejected("Twilio 400 error 21211: invalid number", code=21211)


def test_cancelled_visit_gets_no_text(sms_outbox):
    appointment = visit(timedelta(hours=2) - timedelta(minutes=10))
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED)
    due_messages_scan()
    assert sms_outbox == []


@pytest.mark.parametrize(
    ("nominal", "start", "expected"),
    [
        # Outside quiet hours: as planned.
        ("2026-12-01 10:00", "2026-12-01 12:00", "2026-12-01 10:00"),
        # In the evening: the next morning at 08:00, the visit still hours away.
        ("2026-12-01 22:00", "2026-12-02 00:00", None),
        ("2026-11-30 10:00", "2026-12-02 10:00", "2026-11-30 10:00"),
        ("2026-12-01 23:00", "2026-12-03 23:00", "2026-12-02 08:00"),
        # Early morning: at 08:00 the same day when the visit is at 09:00 or later...
        ("2026-12-01 07:00", "2026-12-01 09:00", "2026-12-01 08:00"),
        # ...skipped when it would leave less than 30 minutes.
        ("2026-12-01 06:15", "2026-12-01 08:15", None),
    ],
)
def test_quiet_hours_move_or_skip_a_text(nominal, start, expected):

    def local(value: str) -> datetime:
        return datetime.fromisoformat(value).replace(tzinfo=NEW_YORK)

    moment, reason = sms_moment(
        nominal=local(nominal), start=local(start), quiet=(time(21), time(8))
    )

    if expected is None:
        assert reason == QUIET_SKIP_REASON
    else:
        assert reason == ""
        assert moment == local(expected)


def test_scan_records_a_text_skipped_for_quiet_hours(sms_outbox):
    ClinicProfile.objects.update(text_quiet_start=time(21), text_quiet_end=time(8))
    now = datetime(2026, 12, 1, 6, 20, tzinfo=NEW_YORK)
    appointment = AppointmentFactory(
        start=now + timedelta(hours=2) - timedelta(minutes=10), contact_phone="+14135550199"
    )
    Appointment.objects.filter(pk=appointment.pk).update(created_at=now - timedelta(days=7))
    sms_opt_in_record(appointment=appointment)

    due_messages_scan(now=now)

    message = appointment.messages.get(
        channel="sms", kind=Kind.REMINDER, scheduled_for=now - timedelta(minutes=10)
    )
    assert (message.status, message.last_error) == ("skipped", QUIET_SKIP_REASON)


# The longest the texts must carry: a 24-character text name (the field's limit), a realistic
# production SITE_URL, the short link a text really gets, the longest date and time.
LONG_TEXT_NAME = "Pioneer Valley Joint Ctr"
SITE = "https://www.pioneervalleyjointclinic.com"
LONGEST_WHEN = datetime(2026, 12, 30, 12, 45, tzinfo=NEW_YORK)


@pytest.fixture
def longest_link(settings):
    settings.SITE_URL = SITE
    appointment = AppointmentFactory(start=LONGEST_WHEN)
    link = text_link(appointment)
    assert link.startswith(SITE + "/m/")
    return link


def test_the_text_name_fits_its_budget():
    assert len(LONG_TEXT_NAME) == ClinicProfile._meta.get_field("text_name").max_length


@pytest.mark.parametrize("kind", list(TEXTS))
def test_every_text_is_gsm7_and_one_segment_in_english(kind, longest_link):
    body = text_body(
        kind=kind, clinic=LONG_TEXT_NAME, when=format_short(LONGEST_WHEN), link=longest_link
    )
    assert is_gsm7(body)
    assert segment_count(body) == 1, (len(body), body)
    assert longest_link in body


@pytest.mark.parametrize("name", list(REPLIES))
def test_every_reply_is_gsm7_and_one_segment_in_english(name):
    body = str(REPLIES[name]).format(
        clinic=LONG_TEXT_NAME, phone="+1 413-555-0100", when=format_short(LONGEST_WHEN)
    )
    assert is_gsm7(body)
    assert segment_count(body) == 1, (len(body), body)


def test_a_reminder_asks_for_c_and_carries_the_short_link(settings, sms_outbox, client):
    settings.SITE_URL = SITE
    appointment = visit(timedelta(hours=2) - timedelta(minutes=10))
    due_messages_scan()
    (text,) = sms_outbox
    assert "Reply C to confirm" in text.body
    assert SITE + "/m/" in text.body
    assert "/manage/" not in text.body
    assert segment_count(text.body) == 1
    assert appointment.consultation_type.name not in text.body
    # The short link opens the visit's private page.
    response = client.get(text.body.rsplit(SITE, 1)[1])
    assert response.status_code == 302
    assert "/book/manage/" in response["Location"]


def test_segment_counter_follows_the_gsm_alphabet():
    assert segment_count("a" * 160) == 1
    assert segment_count("a" * 161) == 2
    assert segment_count("€" * 80) == 1  # two septets each, still GSM-7
    assert segment_count("€" * 81) == 2
    assert not is_gsm7("naïve ✓")
    assert segment_count("✓" * 70) == 1
    assert segment_count("✓" * 71) == 2


def test_a_split_text_never_cuts_a_two_unit_character():
    # GSM-7: 152 plain septets then "€" (two) do not fit the first part's 153: a third part.
    assert segment_count("a" * 152 + "€" + "a" * 152) == 3
    assert segment_count("a" * 151 + "€" + "a" * 153) == 2
    # UCS-2: 66 units then an emoji (two units, a surrogate pair) start the next part.
    assert segment_count("á" * 66 + "😀" + "á" * 66) == 3
    assert segment_count("á" * 65 + "😀" + "á" * 67) == 2
    assert units("😀") == 2


def test_spanish_is_ucs2_once_a_vowel_has_an_acute_accent():
    assert is_gsm7("¿Señor? ¡Qué bien! é ñ Ñ ü")
    assert encoding("Responda C para confirmar.") == GSM7
    for word in ("cita el sábado", "más", "llámenos", "número"):
        assert encoding(word) == UCS2
    # Counted as UCS-2 on demand: the worst case a translation may turn into.
    assert segment_count("a" * 71) == 1
    assert segment_count("a" * 71, UCS2) == 2
