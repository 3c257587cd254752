"""The waitlist's two emails on the ledger: "confirm your entry" and "a time for you".

No health details: the visit's type, time and practitioner, the links, the window. The ledger
claims, sends once and retries; these say how to build each and when to skip it.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from booking.messaging.compose import ClinicEmail, format_local, message_id_for
from booking.messaging.kinds import message_kind_register
from booking.models import (
    ClinicProfile,
    OutboundMessage,
    WaitlistEntry,
    WaitlistHold,
    WaitlistOffer,
    localized,
)
from booking.waitlist.links import entry_confirm_url, entry_manage_url, offer_url

# Registered with the ledger below; stored in OutboundMessage.kind beside booking's own kinds.
WAITLIST_CONFIRM = "waitlist_confirm"
WAITLIST_OFFER = "waitlist_offer"


def _entry(message: OutboundMessage) -> WaitlistEntry:
    if message.waitlist_offer_id:
        return message.waitlist_offer.entry
    return message.waitlist_entry


def entry_language(message: OutboundMessage) -> str:
    """Waitlist messages go in the language the patient joined (or last chose) in."""
    return _entry(message).language or settings.LANGUAGE_CODE


def skip_reason(message: OutboundMessage, profile: ClinicProfile, now: datetime) -> str:
    entry = _entry(message)
    if message.patient.anonymised_at is not None:
        return "The patient's record is anonymised."
    if not message.patient.email:
        return "No email address."
    if message.kind == WAITLIST_CONFIRM:
        if entry.status != WaitlistEntry.Status.PENDING:
            return "No longer waiting to confirm."
        return ""
    offer = message.waitlist_offer
    if offer.status != WaitlistOffer.Status.OPEN:
        return "The offer is closed."
    hold = offer.hold
    if hold.status != WaitlistHold.Status.OFFERING or (
        hold.window_ends_at is not None and now >= hold.window_ends_at
    ):
        return "The offer's window has passed."
    return ""


def build(message: OutboundMessage, profile: ClinicProfile) -> ClinicEmail | None:
    entry = _entry(message)
    email_address = (message.patient.email or "").strip()
    if not email_address:
        return None
    context = {
        "clinic": profile,
        "clinic_address_lines": [line for line in profile.address.splitlines() if line.strip()],
        "patient_name": message.patient.full_name,
        "type_name": localized(entry.consultation_type, "name"),
        "manage_url": entry_manage_url(entry),
    }
    if message.kind == WAITLIST_CONFIRM:
        context["confirm_url"] = entry_confirm_url(entry)
        subject = _("Please confirm your place on the waitlist at %(clinic)s") % {
            "clinic": profile.name
        }
    else:
        hold = message.waitlist_offer.hold
        context.update(
            when=format_local(hold.start),
            practitioner_name=str(hold.practitioner),
            window_ends=format_local(hold.window_ends_at) if hold.window_ends_at else "",
            offer_url=offer_url(entry, message.waitlist_offer_id),
        )
        subject = _("A time is free at %(clinic)s: %(when)s") % {
            "clinic": profile.name,
            "when": context["when"],
        }
    context["subject"] = subject
    text = render_to_string(f"emails/{message.kind}.txt", context)
    html = render_to_string(f"emails/{message.kind}.html", context)
    from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    email = ClinicEmail(
        subject=subject,
        body=text,
        from_email=formataddr((profile.name, from_address)),
        to=[email_address],
        reply_to=[profile.email] if profile.email else None,
        headers={
            "X-Clinic-Message": str(message.pk),
            "Message-ID": message_id_for(message),
            "Auto-Submitted": "auto-generated",
            "Content-Language": translation.get_language(),
        },
    )
    email.attach_alternative(html, "text/html")
    return email


def register() -> None:
    for kind in (WAITLIST_CONFIRM, WAITLIST_OFFER):
        message_kind_register(
            kind=kind, build=build, skip_reason=skip_reason, language=entry_language
        )
