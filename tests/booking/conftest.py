"""Fixtures shared by booking's tests in every room: a consultation type, a practitioner who
offers it (some modules define their own `ctype` with other durations or rules), and rate limits
loose enough for many requests from one test client (journey, links, lost links, reschedule)."""

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


@pytest.fixture
def texts_any_hour(db):
    """No quiet hours for texts (the clinic's default is 21:00-08:00; the suite runs at any
    hour, and the ledger checks quiet hours against the real clock when it sends)."""
    from datetime import time

    from booking.profile import clinic_profile_get

    # Made if an earlier transactional test flushed it (an update would then change nothing).
    profile = clinic_profile_get()
    profile.text_quiet_start = profile.text_quiet_end = time(0)
    profile.save(update_fields=["text_quiet_start", "text_quiet_end"])
