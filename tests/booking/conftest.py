"""Fixtures shared by booking's tests in every room: a consultation type and a practitioner who
offers it. Some modules define their own `ctype` with other durations or rules."""

import pytest

from tests.factories import ConsultationTypeFactory, PractitionerFactory


@pytest.fixture
def ctype():
    return ConsultationTypeFactory(slug="initial", name="Initial consultation")


@pytest.fixture
def doctor(ctype):
    return PractitionerFactory(display_name="Dr. Ada Reyes", consultation_types=[ctype])
