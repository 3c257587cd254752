"""A knee PRP course: consult, procedure 7-21 days later, two follow-ups; one clinician."""

import pytest

from booking.backoffice.roles import CLINICIAN
from care.models import Instrument, InstrumentItem
from care.shipped import instruments_install
from tests.care.factories import knee_prp_template
from tests.factories import (
    AppointmentFactory,
    ConsultationTypeFactory,
    PractitionerFactory,
    StaffUserFactory,
    next_weekday_at,
)


@pytest.fixture(autouse=True)
def shipped_instruments(db):
    """The data migration's instruments, again: a transactional test elsewhere in the worker may
    have flushed them (as roles_sync is re-run for the groups)."""
    instruments_install(instrument_model=Instrument, item_model=InstrumentItem)


@pytest.fixture
def course():
    consult = ConsultationTypeFactory(name="Consultation", slug="consult")
    procedure = ConsultationTypeFactory(
        name="PRP injection", slug="prp", plan_only=True, duration_minutes=60
    )
    follow_up = ConsultationTypeFactory(name="Follow-up", slug="follow-up", plan_only=True)
    clinician_user = StaffUserFactory(username="dr.reyes", role=CLINICIAN)
    doctor = PractitionerFactory(
        display_name="Dr. Ada Reyes",
        user=clinician_user,
        consultation_types=[consult, procedure, follow_up],
    )
    template = knee_prp_template(consult=consult, procedure=procedure, follow_up=follow_up)
    consult_visit = AppointmentFactory(
        consultation_type=consult, practitioner=doctor, start=next_weekday_at(10)
    )
    return {
        "consult": consult,
        "procedure": procedure,
        "follow_up": follow_up,
        "doctor": doctor,
        "clinician": clinician_user,
        "template": template,
        "visit": consult_visit,
    }
