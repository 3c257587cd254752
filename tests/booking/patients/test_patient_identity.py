"""One person, one patient: shared contact details never file a visit under someone else."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.backoffice.roles import CLINICIAN, RECEPTION
from booking.models import (
    Appointment,
    InboundText,
    OutboundMessage,
    Patient,
    PatientDuplicateFlag,
    WaitlistEntry,
)
from booking.patients.identity import (
    ContactDetails,
    patient_get_or_create,
    patient_merge,
    patient_merge_preview,
)
from tests.factories import (
    AppointmentFactory,
    PatientFactory,
    StaffUserFactory,
    WaitlistEntryFactory,
    next_weekday_at,
)

pytestmark = pytest.mark.django_db

BORN = date(1950, 3, 4)
OTHER_DAY = date(1988, 8, 8)
FAMILY_EMAIL = "family@example.org"
FAMILY_PHONE = "+447700900777"


@pytest.fixture
def jane():
    return PatientFactory(
        full_name="Jane Carer", email=FAMILY_EMAIL, phone=FAMILY_PHONE, date_of_birth=BORN
    )


def _contact(name="Jane Carer", email=FAMILY_EMAIL, phone=FAMILY_PHONE, born=BORN):
    return ContactDetails(full_name=name, email=email, phone=phone, date_of_birth=born)


@pytest.mark.parametrize(
    "contact",
    [
        _contact(),
        _contact(name="  jane   CARER "),
        _contact(email="FAMILY@example.org", phone=""),
        _contact(email="", phone=FAMILY_PHONE),
        _contact(email="new@example.org"),  # the phone still matches
        _contact(phone="+447700900000"),  # the email still matches
    ],
)
def test_same_name_birth_date_and_email_or_phone_is_the_same_patient(jane, contact):
    assert patient_get_or_create(contact=contact) == jane
    assert Patient.objects.count() == 1
    assert not PatientDuplicateFlag.objects.exists()


@pytest.mark.parametrize(
    ("contact", "flag"),
    [
        # The carer's case: another person with the family's email and phone.
        (_contact(name="Sam Son", born=OTHER_DAY), None),
        (_contact(name="Sam Son", born=None), None),
        (_contact(born=OTHER_DAY), None),  # same name, another birthday: another person
        (_contact(born=None), None),  # no birth date given: no match on name alone
        (
            _contact(email="jane@elsewhere.org", phone="+447700900001"),
            PatientDuplicateFlag.Reason.NAME_AND_BIRTH_DATE,
        ),
        (
            _contact(name="J. Carer", email="j@elsewhere.org"),
            PatientDuplicateFlag.Reason.PHONE_AND_BIRTH_DATE,
        ),
        (_contact(name="Sam Son", email="sam@example.org", phone="+447700900002"), None),
    ],
)
def test_anything_less_is_a_new_patient_flagged_when_likely_the_same(jane, contact, flag):
    patient = patient_get_or_create(contact=contact)

    assert patient != jane
    assert patient.full_name == " ".join(contact.full_name.split())
    jane.refresh_from_db()
    assert (jane.full_name, jane.email) == ("Jane Carer", FAMILY_EMAIL)  # never changed
    flags = list(PatientDuplicateFlag.objects.values_list("patient", "other", "reason"))
    assert flags == ([] if flag is None else [(patient.pk, jane.pk, flag)])


def test_two_people_may_share_an_email_in_the_database(jane):
    PatientFactory(full_name="Sam Son", email=FAMILY_EMAIL.upper())
    assert Patient.objects.filter(email__iexact=FAMILY_EMAIL).count() == 2


def test_merge_resolves_the_flag(jane):
    twin = patient_get_or_create(contact=_contact(email="j@elsewhere.org", phone=""))
    assert PatientDuplicateFlag.objects.filter(patient=twin, other=jane).exists()

    patient_merge(keep=jane, duplicate=twin, acting_user=StaffUserFactory(role=RECEPTION))

    assert not PatientDuplicateFlag.objects.exists()


def test_merge_moves_visits_messages_texts_and_waitlist_entries_and_the_preview_counts_them(jane):
    twin = PatientFactory(full_name="Jane Carer", email="", phone="", date_of_birth=None)
    visit = AppointmentFactory(patient=twin, start=next_weekday_at(10))
    OutboundMessage.objects.create(
        patient=twin, appointment=visit, kind="reminder", scheduled_for=visit.start
    )
    InboundText.objects.create(
        provider_sid="SM1",
        from_number="+447700900777",
        keyword="other",
        patient=twin,
        received_at=timezone.now(),
    )
    WaitlistEntryFactory(patient=twin)
    WaitlistEntryFactory(patient=twin, status=WaitlistEntry.Status.BOOKED)
    AppointmentFactory(patient=jane, start=next_weekday_at(11))
    preview = patient_merge_preview(keep=twin, duplicate=jane)
    # The preview changes nothing and counts both sides; the kept record lacks three details.
    assert Patient.objects.count() == 2
    assert preview.moves[:4] == [
        ("Visits", 1, 1),
        ("Messages sent", 1, 0),
        ("Texts received", 1, 0),
        ("Waitlist entries", 2, 0),
    ]
    assert [label for label, _ in preview.gains] == ["Email", "Phone", "Born"]
    assert patient_merge_preview(keep=jane, duplicate=twin).gains == []

    patient_merge(keep=jane, duplicate=twin, acting_user=StaffUserFactory(role=RECEPTION))

    assert not Patient.objects.filter(pk=twin.pk).exists()
    assert Appointment.objects.filter(patient=jane).count() == 2
    assert OutboundMessage.objects.get().patient == jane
    assert InboundText.objects.get().patient == jane
    assert WaitlistEntry.objects.filter(patient=jane).count() == 2  # not deleted with the twin


def test_staff_who_see_every_patient_see_the_flag_clinicians_do_not(client, jane):
    twin = patient_get_or_create(contact=_contact(email="j@elsewhere.org", phone=""))
    url = reverse("admin:booking_patient_change", args=[twin.pk])

    client.force_login(StaffUserFactory(role=RECEPTION))
    body = client.get(url).content.decode()
    assert "Same name and date of birth" in body
    assert reverse("admin:booking_patient_change", args=[jane.pk]) in body

    client.force_login(StaffUserFactory(role=CLINICIAN))
    assert "Same name and date of birth" not in client.get(url).content.decode()
