"""Where staff see that a text did not reach the patient: the ledger, the appointment's page,
the day's schedule, the side panel, the patient record, and the manager's reminder figures."""

from datetime import timedelta

import pytest
from django.urls import reverse

from booking.models import OutboundMessage
from booking.reports.selectors import report_build
from tests.booking.backoffice.conftest import at
from tests.factories import AppointmentFactory, next_weekday

pytestmark = pytest.mark.django_db
Delivery = OutboundMessage.DeliveryStatus


def _reminder(appointment, *, channel, delivery="", code=None, sid=""):
    return OutboundMessage.objects.create(
        patient=appointment.patient,
        appointment=appointment,
        channel=channel,
        kind=OutboundMessage.Kind.REMINDER,
        scheduled_for=appointment.start - timedelta(hours=2),
        status=OutboundMessage.Status.SENT,
        provider_id=sid,
        delivery_status=delivery,
        delivery_error_code=code,
    )


@pytest.fixture
def visit(frontdesk):
    return AppointmentFactory(
        consultation_type=frontdesk["short"],
        practitioner=frontdesk["patel"],
        start=at(next_weekday(1), 9),
        contact_phone="+14135550199",
    )


@pytest.fixture
def undelivered(visit):
    _reminder(visit, channel=OutboundMessage.Channel.EMAIL)
    return _reminder(
        visit,
        channel=OutboundMessage.Channel.SMS,
        delivery=Delivery.UNDELIVERED,
        code=30003,
        sid="SM" + "c" * 32,
    )


def test_the_ledger_lists_and_filters_by_delivery(client, frontdesk, undelivered):
    client.force_login(frontdesk["manager"])
    url = reverse("admin:booking_outboundmessage_changelist")

    page = client.get(url, {"delivery_status__in": "undelivered,failed"})

    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    assert "Not delivered (30003: unreachable handset" in page.content.decode()
    detail = client.get(reverse("admin:booking_outboundmessage_change", args=[undelivered.pk]))
    assert "SM" + "c" * 32 in detail.content.decode()


def test_the_appointment_page_shows_the_text_that_did_not_arrive(
    client, frontdesk, visit, undelivered
):
    client.force_login(frontdesk["reception"])

    page = client.get(reverse("admin:booking_appointment_change", args=[visit.pk])).content

    box = page.decode().split('id="failed-messages"')[1].split("</div>")[0]
    assert "Reminder (text message)" in box
    assert "not delivered (30003: unreachable handset" in box
    assert "the email reminder went on its own" in box
    assert "Reminder (email)" not in box  # the delivered email is not trouble


def test_the_day_warns_about_texts_that_did_not_arrive_for_visits_to_come(
    client, frontdesk, visit, undelivered
):
    past = AppointmentFactory(
        consultation_type=frontdesk["short"],
        practitioner=frontdesk["patel"],
        start=at(next_weekday(1), 9) - timedelta(weeks=3),
    )
    _reminder(past, channel=OutboundMessage.Channel.SMS, delivery=Delivery.FAILED, sid="SMx")
    client.force_login(frontdesk["reception"])

    page = client.get(reverse("admin:booking_schedule_day")).content.decode()

    assert 'id="undelivered-texts-warning"' in page
    assert "1 text message for visits still to come" in page
    assert 'id="failed-messages-warning"' not in page


def test_no_warning_when_texts_arrived(client, frontdesk, visit):
    _reminder(visit, channel=OutboundMessage.Channel.SMS, delivery=Delivery.DELIVERED, sid="SMy")
    client.force_login(frontdesk["reception"])
    page = client.get(reverse("admin:booking_schedule_day")).content.decode()
    assert 'id="undelivered-texts-warning"' not in page


def test_the_side_panel_and_the_patient_record_show_delivery(client, frontdesk, visit, undelivered):
    client.force_login(frontdesk["reception"])

    panel = client.get(
        reverse("admin:booking_schedule_day"),
        {"date": visit.start.date().isoformat(), "panel": visit.pk},
    ).content.decode()
    record = client.get(
        reverse("admin:booking_patient_record", args=[visit.patient_id])
    ).content.decode()

    assert "Reminder (Text message): Sent, not delivered (30003" in panel
    assert '<th scope="col">Delivery</th>' in record
    assert "Not delivered (30003: unreachable handset" in record


def test_an_undelivered_reminder_text_counts_as_not_delivered_in_the_reports(frontdesk):
    day = next_weekday(1) - timedelta(weeks=3)
    visit = AppointmentFactory(
        consultation_type=frontdesk["short"],
        practitioner=frontdesk["patel"],
        start=at(day, 9),
    )
    _reminder(visit, channel=OutboundMessage.Channel.EMAIL)
    _reminder(visit, channel=OutboundMessage.Channel.SMS, delivery=Delivery.DELIVERED, sid="SM1")
    late = AppointmentFactory(
        consultation_type=frontdesk["short"],
        practitioner=frontdesk["patel"],
        start=at(day, 10),
    )
    _reminder(late, channel=OutboundMessage.Channel.SMS, delivery=Delivery.UNDELIVERED, sid="SM2")

    (row,) = report_build(first_day=day, last_day=day, grouping="week").rows

    assert (row.reminders_sent, row.reminders_failed) == (2, 1)
