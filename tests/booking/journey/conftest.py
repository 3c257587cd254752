"""Fixtures of the patient's pages."""

import pytest


@pytest.fixture
def generous_rate_limit(settings):
    """Many bookings from one test client must not trip the per-client limit."""
    settings.BOOKING_RATE_LIMIT = 1000
    settings.LOST_LINK_RATE_LIMIT = 1000
