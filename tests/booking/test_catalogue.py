"""The catalogue stamp and what pinned views keep under it (booking/catalogue.py): never stale,
however a watched table is written, and two queries for a warm time picker."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking import catalogue
from booking.models import (
    ClinicClosure,
    ClinicProfile,
    ConsultationType,
    Practitioner,
    WorkingHours,
)
from booking.profile import clinic_profile_get
from booking.scheduling.selectors import consultation_type_public_get, practitioner_list_offering
from tests.factories import (
    AppointmentFactory,
    ClinicClosureFactory,
    PatientFactory,
    PractitionerFactory,
    next_weekday_at,
)

pytestmark = pytest.mark.django_db


def test_every_table_the_booking_pages_keep_is_watched():
    tables = {
        model._meta.db_table
        for model in (ClinicProfile, ConsultationType, Practitioner, WorkingHours, ClinicClosure)
    }
    tables.add(Practitioner.consultation_types.through._meta.db_table)

    assert set(catalogue.WATCHED_TABLES) == tables


WRITES = {
    "profile": lambda ctype, doctor: ClinicProfile.objects.filter(pk=1).update(name="Changed"),
    "type": lambda ctype, doctor: ConsultationType.objects.filter(pk=ctype.pk).update(
        name="Changed"
    ),
    "practitioner": lambda ctype, doctor: Practitioner.objects.filter(pk=doctor.pk).update(
        active=False
    ),
    "offers": lambda ctype, doctor: doctor.consultation_types.remove(ctype),
    "hours": lambda ctype, doctor: WorkingHours.objects.filter(practitioner=doctor).update(
        start_time=time(12)
    ),
    "hours deleted": lambda ctype, doctor: WorkingHours.objects.filter(
        practitioner=doctor
    ).delete(),
    "closure": lambda ctype, doctor: ClinicClosureFactory(
        start_date=timezone.localdate(), end_date=timezone.localdate() + timedelta(days=400)
    ),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_any_write_to_a_watched_table_changes_the_stamp(ctype, doctor, write):
    before = catalogue.STAMP.read()

    write(ctype, doctor)

    assert catalogue.STAMP.read() != before


def test_a_write_elsewhere_or_a_read_leaves_the_stamp(ctype, doctor):
    before = catalogue.STAMP.read()

    list(Practitioner.objects.all())
    PatientFactory()
    AppointmentFactory(consultation_type=ctype, practitioner=doctor, start=next_weekday_at(10))

    assert catalogue.STAMP.read() == before


def _picker(client, ctype) -> str:
    day = next_weekday_at(9).date()
    response = client.get(reverse("booking:choose_time", args=[ctype.slug]), {"date": day})
    assert response.status_code in (200, 404)
    return response.content.decode()


def test_a_warm_time_picker_reads_the_stamp_and_busy_time_only(
    client, ctype, doctor, django_assert_num_queries
):
    _picker(client, ctype)

    with django_assert_num_queries(2):
        body = _picker(client, ctype)

    assert "9:00 AM" in body


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_the_time_picker_is_never_stale_after_a_write(client, ctype, doctor, write):
    """Kept, then changed behind every save() (QuerySet.update, delete, m2m): the next page
    shows the change."""
    warm = _picker(client, ctype)
    assert "9:00 AM" in warm

    write(ctype, doctor)
    fresh = _picker(client, ctype)

    assert fresh != warm
    assert "9:00 AM" not in fresh or "Changed" in fresh


def test_each_caller_gets_its_own_copies():
    """A kept instance is shared by later requests: what one caller changes on its copy (an
    attribute, a cached relation) is not what the next one is given."""
    PractitionerFactory(display_name="Dr. Kept", consultation_types=[])
    ctype = ConsultationType.objects.create(slug="kept", name="Kept type", duration_minutes=30)
    ctype.practitioners.add(Practitioner.objects.get(display_name="Dr. Kept"))
    with catalogue.pinned():
        first = consultation_type_public_get("kept")
        first.name = "Changed by a caller"
        people = practitioner_list_offering(first)
        people[0].display_name = "Changed too"
        profile = clinic_profile_get()
        profile.name = "Changed as well"

        assert consultation_type_public_get("kept").name == "Kept type"
        assert practitioner_list_offering(first)[0].display_name == "Dr. Kept"
        assert clinic_profile_get().name != "Changed as well"


def test_outside_a_pinned_view_every_read_goes_to_the_database(django_assert_num_queries):
    ConsultationType.objects.create(slug="plain", name="Plain", duration_minutes=30)
    consultation_type_public_get("plain")

    with django_assert_num_queries(1):
        consultation_type_public_get("plain")


def test_a_pinned_read_sees_its_own_transaction(django_assert_num_queries):
    """Within a transaction that wrote (a test's, a service's), the stamp read is the
    transaction's own: the write shows."""
    ConsultationType.objects.create(slug="own", name="Before", duration_minutes=30)
    with catalogue.pinned():
        assert consultation_type_public_get("own").name == "Before"
    ConsultationType.objects.filter(slug="own").update(name="After")
    with catalogue.pinned():
        assert consultation_type_public_get("own").name == "After"
