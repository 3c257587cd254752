"""Private links name their subject, can be revoked and re-sent by staff, expire after the visit,
and have a short form (/m/<code>) for texts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from booking.backoffice import roles
from booking.links import tokens
from booking.links.paths import short_manage_url
from booking.links.short import short_code_for
from booking.links.tokens import (
    APPOINTMENT,
    appointment_for_token,
    link_subject_register,
    link_token,
    manage_token,
)
from booking.messaging.private_links import private_link_resend
from booking.models import Appointment, ClinicProfile, OutboundMessage, ShortLink
from booking.profile import clinic_profile_get
from tests.factories import AppointmentFactory, StaffUserFactory, next_weekday_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limit")]

# Every page a private link opens (GET).
MANAGE_URLS = [
    "manage",
    "confirmation",
    "manage_cancel",
    "manage_reschedule",
    "manage_reschedule_confirm",
    "questionnaire",
    "calendar",
]


@pytest.fixture
def appointment(ctype, doctor):
    return AppointmentFactory(
        consultation_type=ctype,
        practitioner=doctor,
        start=next_weekday_at(10),
        contact_email="maria@example.com",
    )


def _get(client, name: str, token: str, appointment: Appointment):
    params = {}
    if name == "manage_reschedule_confirm":
        params = {
            "start": next_weekday_at(14).isoformat(),
            "practitioner": appointment.practitioner_id,
        }
    return client.get(reverse(f"booking:{name}", args=[token]), params)


def _legacy_token(appointment: Appointment) -> str:
    """A link as sent before subjects were named: reference + HMAC(reference:version)."""
    value = f"{appointment.reference}:{appointment.manage_token_version}"
    signature = salted_hmac("booking.manage-link", value, algorithm="sha256").hexdigest()[:32]
    return appointment.reference + signature


def test_tokens_name_their_subject(appointment):
    token = manage_token(appointment)
    assert token.startswith(f"{APPOINTMENT}.")
    assert str(appointment.pk) not in token.split(".", 1)[0]
    assert appointment_for_token(token) == appointment


@pytest.mark.parametrize("name", MANAGE_URLS)
def test_links_sent_before_subjects_were_named_still_work(client, appointment, name):
    assert _get(client, name, _legacy_token(appointment), appointment).status_code in (200, 302)


def test_a_token_for_another_subject_never_opens_an_appointment(appointment, monkeypatch):
    # A later app registers its own subject; its tokens for the same reference open nothing here.
    monkeypatch.setattr("booking.links.tokens._subjects", dict(tokens._subjects))
    link_subject_register(
        "t", lambda reference, queryset: appointment, version=lambda subject: 0, landing=str
    )
    other = link_token(appointment, prefix="t")
    assert appointment_for_token(other) is None
    swapped = "a." + other.split(".", 1)[1]
    assert appointment_for_token(swapped) is None
    with pytest.raises(ValueError, match="lower-case"):
        link_subject_register("A1", lambda r, q: None, version=lambda s: 0, landing=str)


def test_resend_revokes_every_manage_url_and_sends_the_new_link(
    client, appointment, django_capture_on_commit_callbacks
):
    staff = StaffUserFactory(role=roles.RECEPTION)
    old_tokens = [manage_token(appointment), _legacy_token(appointment)]
    old_short = short_code_for(appointment, prefix=APPOINTMENT)
    with django_capture_on_commit_callbacks(execute=True):
        private_link_resend(appointment=appointment, acting_user=staff)

    for old in old_tokens:
        for name in MANAGE_URLS:
            assert _get(client, name, old, appointment).status_code == 404, name
    assert client.get(reverse("booking:short_link", args=[old_short])).status_code == 404
    assert not ShortLink.objects.filter(code=old_short).exists()

    appointment.refresh_from_db()
    new = manage_token(appointment)
    for name in MANAGE_URLS:
        assert _get(client, name, new, appointment).status_code in (200, 302), name
    sent = OutboundMessage.objects.get(kind=OutboundMessage.Kind.MANAGE_LINK)
    assert sent.appointment == appointment
    assert len(mail.outbox) == 1
    assert new in mail.outbox[0].body
    assert old_tokens[0] not in mail.outbox[0].body
    assert appointment.history.filter(
        history_change_reason="Private link revoked and re-sent", history_user=staff
    ).exists()


def test_admin_button_revokes_and_resends(client, appointment):
    old = manage_token(appointment)
    url = reverse("admin:booking_appointment_link_resend", args=[appointment.pk])
    change = reverse("admin:booking_appointment_change", args=[appointment.pk])
    client.force_login(StaffUserFactory(role=roles.RECEPTION))
    assert url in client.get(change).content.decode()
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert client.get(reverse("booking:manage", args=[old])).status_code == 404
    assert OutboundMessage.objects.filter(kind=OutboundMessage.Kind.MANAGE_LINK).count() == 1


@pytest.mark.parametrize("role", [roles.EDITOR, roles.CLINICIAN])
def test_admin_button_needs_the_change_permission(client, appointment, role):
    client.force_login(StaffUserFactory(role=role))
    url = reverse("admin:booking_appointment_link_resend", args=[appointment.pk])
    assert client.post(url).status_code == 403
    assert Appointment.objects.get(pk=appointment.pk).manage_token_version == 0


def test_admin_action_revokes_and_resends(client, appointment):
    old = manage_token(appointment)
    client.force_login(StaffUserFactory(role=roles.RECEPTION))
    client.post(
        reverse("admin:booking_appointment_changelist"),
        {"action": "resend_private_link", "_selected_action": [appointment.pk]},
    )
    assert client.get(reverse("booking:manage", args=[old])).status_code == 404


def _visit_ended(ctype, doctor, days_ago: float) -> Appointment:
    start = timezone.now() - timedelta(days=days_ago) - timedelta(minutes=30)
    return AppointmentFactory(
        consultation_type=ctype,
        practitioner=doctor,
        start=start,
        status=Appointment.Status.COMPLETED,
    )


@pytest.mark.parametrize("name", MANAGE_URLS)
def test_links_expire_after_the_configured_days_with_the_clinic_phone(client, ctype, doctor, name):
    profile = clinic_profile_get()
    ClinicProfile.objects.filter(pk=profile.pk).update(phone="(413) 555-0100")
    assert profile.private_link_days == 30  # the default
    recent, old = _visit_ended(ctype, doctor, 29), _visit_ended(ctype, doctor, 31)
    assert _get(client, name, manage_token(recent), recent).status_code in (200, 302)
    expired = _get(client, name, manage_token(old), old)
    assert expired.status_code == 410
    assert "(413) 555-0100" in expired.content.decode()
    assert "expired" in expired.content.decode()

    ClinicProfile.objects.filter(pk=profile.pk).update(private_link_days=60)
    assert _get(client, name, manage_token(old), old).status_code in (200, 302)


def test_short_link_redirects_to_the_manage_page(client, appointment):
    url = short_manage_url(appointment)
    path = url.removeprefix("http://127.0.0.1:8000").removeprefix("http://testserver")
    assert path.startswith("/m/")
    assert len(path) <= 22
    assert short_manage_url(appointment) == url  # one code per subject and version
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("booking:manage", args=[manage_token(appointment)])
    assert "no-store" in response["Cache-Control"]


def test_tampered_or_unknown_short_codes_get_the_generic_404(client, appointment):
    code = short_code_for(appointment, prefix=APPOINTMENT)
    flipped = code[:-1] + ("A" if code[-1] != "A" else "B")
    for bad in (flipped, code[:-1], code + "x", "a" * 16, "%2e%2e", "x" * 300, str(appointment.pk)):
        response = client.get(reverse("booking:short_link", args=[bad]))
        assert response.status_code == 404, bad
        assert "find that page" in response.content.decode()
    assert client.post(reverse("booking:short_link", args=[code])).status_code == 405
