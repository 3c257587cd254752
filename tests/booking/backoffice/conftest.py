"""The front desk's clinic: two clinicians with logins, reception and the manager, two types."""

from datetime import datetime, time

import pytest

from booking.backoffice.roles import CLINICIAN, MANAGER, RECEPTION
from booking.profile import clinic_profile_get
from booking.scheduling.clock import clinic_zone
from tests.factories import ConsultationTypeFactory, PractitionerFactory, StaffUserFactory


def at(day, hour, minute=0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=clinic_zone())


@pytest.fixture
def frontdesk():
    clinic_profile_get()  # the row a data migration creates; a flushed test database lacks it
    short = ConsultationTypeFactory(slug="follow-up", name="Follow-up", duration_minutes=30)
    long = ConsultationTypeFactory(slug="initial", name="Initial assessment", duration_minutes=60)
    hours = [(d, time(9), time(12)) for d in range(5)] + [(d, time(13), time(17)) for d in range(5)]
    patel_user = StaffUserFactory(username="patel", role=CLINICIAN)
    okafor_user = StaffUserFactory(username="okafor", role=CLINICIAN)
    patel = PractitionerFactory(
        display_name="Dr Patel",
        user=patel_user,
        consultation_types=[short, long],
        weekly_hours=hours,
    )
    okafor = PractitionerFactory(
        display_name="Dr Okafor",
        user=okafor_user,
        consultation_types=[short, long],
        weekly_hours=hours,
    )
    return {
        "short": short,
        "long": long,
        "patel": patel,
        "okafor": okafor,
        "patel_user": patel_user,
        "okafor_user": okafor_user,
        "reception": StaffUserFactory(username="rosa", role=RECEPTION),
        "manager": StaffUserFactory(username="maya", role=MANAGER),
    }
