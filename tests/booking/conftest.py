"""Fixtures shared by the booking journey's view tests."""

import pytest

from tests.factories import ConsultationTypeFactory, PractitionerFactory


@pytest.fixture
def generous_rate_limit(settings):
    """Many bookings from one test client must not trip the per-client limit."""
    settings.BOOKING_RATE_LIMIT = 1000
    settings.LOST_LINK_RATE_LIMIT = 1000


@pytest.fixture
def ctype():
    return ConsultationTypeFactory(slug="initial", name="Initial consultation")


@pytest.fixture
def doctor(ctype):
    return PractitionerFactory(display_name="Dr. Ada Reyes", consultation_types=[ctype])
