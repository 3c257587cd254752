"""Back from the confirmation page lands on a page of ours, never a browser error page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from booking.models import Appointment
from tests.browser.test_journey_browser import (  # noqa: F401 (fixtures)
    _generous_rate_limit,
    clinic_data,
    fill_details,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]


def _book(page, live_server) -> None:
    page.goto(live_server.url + "/book/initial/")
    page.locator(".time-choice").first.click()
    fill_details(page)
    page.get_by_role("button", name="Continue to review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check and confirm")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")


def _assert_our_page(page, live_server) -> None:
    assert page.url.startswith(live_server.url), page.url  # not chrome-error://
    assert "ERR_CACHE_MISS" not in page.content()
    expect(page.locator("main")).to_be_visible()


@pytest.mark.parametrize("steps_back", [1, 2])
def test_back_after_booking_lands_on_our_page(page, live_server, clinic_data, steps_back):
    _book(page, live_server)
    confirmation = page.url
    for _ in range(steps_back):
        page.go_back()
        _assert_our_page(page, live_server)
    # Nothing was posted again: still one booking; forward returns to the confirmation.
    assert Appointment.objects.count() == 1
    for _ in range(steps_back):
        page.go_forward()
    assert page.url == confirmation
    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")
