"""Writing waitlist entries: join (online or by phone), confirm, change, leave, urgency, expiry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.messaging.ledger import message_enqueue
from booking.models import (
    Appointment,
    ConsultationType,
    OutboundMessage,
    Patient,
    Practitioner,
    WaitlistEntry,
)
from booking.patients.identity import ContactDetails, patient_get_or_create
from booking.profile import clinic_profile_get
from booking.waitlist.emails import WAITLIST_CONFIRM
from booking.waitlist.errors import EntryClosed, EntryLimitReached, WaitlistError
from booking.waitlist.rules import weekday_bits

Status = WaitlistEntry.Status
OPEN_STATUSES = (Status.PENDING, Status.ACTIVE)
URGENT_PERMISSION = "booking.mark_waitlist_urgent"


@dataclass(frozen=True, kw_only=True)
class Wishes:
    """What suits the patient; practitioner None is "anyone"."""

    consultation_type: ConsultationType
    practitioner: Practitioner | None
    earliest_date: date
    latest_date: date
    weekdays: list[int]
    day_parts: list[int]

    def check(self, *, today: date) -> None:
        # Forms say this to the patient first; the service refuses it from any caller.
        if self.earliest_date > self.latest_date or self.latest_date < today:
            raise WaitlistError(_("The dates are not a range in the future."))
        if not self.weekdays or not self.day_parts:
            raise WaitlistError(_("Choose at least one day and one part of the day."))
        if (
            self.practitioner is not None
            and not self.practitioner.consultation_types.filter(
                pk=self.consultation_type.pk
            ).exists()
        ):
            raise WaitlistError(_("That practitioner does not offer this visit."))

    def fields(self) -> dict:
        return {
            "consultation_type": self.consultation_type,
            "practitioner": self.practitioner,
            "earliest_date": self.earliest_date,
            "latest_date": self.latest_date,
            "weekdays": weekday_bits(self.weekdays),
            "day_parts": sum(set(self.day_parts)),
        }


def entries_open_for(patient: Patient, *, now: datetime):
    return WaitlistEntry.objects.filter(
        patient=patient, status__in=OPEN_STATUSES, expires_at__gt=now
    )


def waitlist_entry_create(
    *,
    wishes: Wishes,
    contact: ContactDetails | None = None,
    appointment: Appointment | None = None,
    acting_user: AbstractBaseUser | None = None,
    language: str = "",
    now: datetime | None = None,
) -> WaitlistEntry:
    """Put a patient on the waitlist (`language`: the page's, for its messages; "" takes the
    patient's).

    Online (no `acting_user`) the entry waits for the patient to confirm it from the email this
    sends, so nobody can sign up someone else's address; staff adding a caller make it active
    at once. A booked patient (`appointment`) wants something earlier than that visit.
    Raises EntryLimitReached past the clinic's number of open entries per patient.
    """
    now = now or timezone.now()
    wishes.check(today=timezone.localdate(now))
    profile = clinic_profile_get()
    by_staff = acting_user is not None and acting_user.is_authenticated
    with transaction.atomic():
        if appointment is not None:
            patient = appointment.patient
        elif contact is not None:
            patient = patient_get_or_create(contact=contact)
        else:
            raise WaitlistError(_("A contact or a booked visit is needed."))
        if connection.vendor == "postgresql":
            # Two tabs joining at once must not both pass the limit.
            Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk").first()
        if entries_open_for(patient, now=now).count() >= profile.waitlist_entries_per_patient:
            raise EntryLimitReached()
        entry = WaitlistEntry.objects.create(
            patient=patient,
            appointment=appointment,
            status=Status.ACTIVE if by_staff else Status.PENDING,
            source=WaitlistEntry.Source.PHONE if by_staff else WaitlistEntry.Source.ONLINE,
            added_by=acting_user if by_staff else None,
            confirmed_at=now if by_staff else None,
            expires_at=now + timedelta(days=profile.waitlist_entry_days),
            language=language or patient.language,
            **wishes.fields(),
        )
        if not by_staff and patient.email:
            _send(entry, WAITLIST_CONFIRM, now=now)
        return entry


def _send(entry: WaitlistEntry, kind: str, *, now: datetime) -> None:
    message = OutboundMessage.objects.create(
        waitlist_entry=entry,
        patient_id=entry.patient_id,
        kind=kind,
        scheduled_for=now,
        channel=OutboundMessage.Channel.EMAIL,
    )
    message_enqueue(message_id=message.pk)


def _locked(entry: WaitlistEntry) -> WaitlistEntry:
    return WaitlistEntry.objects.select_for_update().get(pk=entry.pk)


def waitlist_entry_confirm(*, entry: WaitlistEntry, now: datetime | None = None) -> WaitlistEntry:
    """The patient confirms the entry from its email; confirming twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked(entry)
        if current.status == Status.ACTIVE:
            return current
        if current.status != Status.PENDING or current.expires_at <= now:
            raise EntryClosed()
        current.status = Status.ACTIVE
        current.confirmed_at = now
        current.save(update_fields=["status", "confirmed_at"])
        return current


def waitlist_entry_change(
    *, entry: WaitlistEntry, wishes: Wishes, now: datetime | None = None
) -> WaitlistEntry:
    """Change what suits the patient; matching reads the entry as it is at offer time."""
    now = now or timezone.now()
    wishes.check(today=timezone.localdate(now))
    with transaction.atomic():
        current = _locked(entry)
        if current.status not in OPEN_STATUSES or current.expires_at <= now:
            raise EntryClosed()
        for name, value in wishes.fields().items():
            setattr(current, name, value)
        current.save()
        return current


def waitlist_entry_leave(*, entry: WaitlistEntry, now: datetime | None = None) -> WaitlistEntry:
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked(entry)
        if current.status in OPEN_STATUSES:
            current.status = Status.LEFT
            current.ended_at = now
            current.save(update_fields=["status", "ended_at"])
        return current


def waitlist_entry_mark_urgent(
    *,
    entry: WaitlistEntry,
    urgent: bool,
    reason: str,
    acting_user: AbstractBaseUser,
    now: datetime | None = None,
) -> WaitlistEntry:
    """Only a clinician or the manager marks an entry urgent, and always with a reason (who and
    when are kept on the entry)."""
    if not acting_user.has_perm(URGENT_PERMISSION):
        raise WaitlistError("Only a clinician or the clinic manager can mark an entry urgent.")
    reason = " ".join(reason.split())
    if urgent and not reason:
        raise WaitlistError("Give the reason an entry is urgent.")
    with transaction.atomic():
        current = _locked(entry)
        current.urgent = urgent
        current.urgent_reason = reason[:300] if urgent else ""
        current.urgent_by = acting_user if urgent else None
        current.urgent_at = (now or timezone.now()) if urgent else None
        current.save(update_fields=["urgent", "urgent_reason", "urgent_by", "urgent_at"])
        return current


def waitlist_entries_expire(*, now: datetime | None = None) -> int:
    """Close the entries past their time (matching already ignores them; this is for figures)."""
    now = now or timezone.now()
    return WaitlistEntry.objects.filter(status__in=OPEN_STATUSES, expires_at__lte=now).update(
        status=Status.EXPIRED, ended_at=now
    )
