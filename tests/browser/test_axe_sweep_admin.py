"""axe-core on every page of the back office, for every staff role (issue 12, item 19).

The pages come from Django's URL table (tests/back_office.py), so a page added later is swept
without anyone listing it; a page that needs an object gets one the role may see. Each role
logs in once; refusals (403) and "not found" (404) are checked once per role, being the same
page each time. The schedule and appointment pages are checked at a phone's width too, the
add pages also with their errors, and the actions that ask before acting on their question.
"""

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse

from booking.backoffice import roles
from tests.back_office import ROLE_USERS, admin_pages, back_office_data
from tests.browser.sweep import PHONE, SWEEP_MARKS, Sweep, log_in

pytestmark = SWEEP_MARKS

SMALL_SCREEN_PAGES = re.compile(r"schedule|appointment")


@pytest.mark.parametrize("role", roles.ROLES)
def test_every_admin_page_passes_axe_for_each_role(sweep, role):
    started = time.monotonic()
    data = back_office_data()
    user = data.users[role]
    log_in(sweep, ROLE_USERS[role])
    page = sweep.page
    refusal_checked: set[int] = set()
    not_pages: list[str] = []
    small: list[str] = []
    for admin_page in admin_pages(user, data):
        # A plain request first (cheap): downloads and POST-only URLs are not pages, and a
        # refusal or "not found" is the same page every time, so one of each is checked.
        head = page.request.get(sweep.base + admin_page.url)
        status = head.status
        assert status < 500, f"{admin_page.url} answered {status}"
        if status == 405 or "text/html" not in head.headers.get("content-type", ""):
            not_pages.append(f"{admin_page.url} ({status})")
            continue
        if status in (403, 404):
            if status in refusal_checked:
                continue
            refusal_checked.add(status)
        sweep.goto(admin_page.url)
        label = f"{role}: {admin_page.name}"
        if sweep.check_once(label) and status == 200 and SMALL_SCREEN_PAGES.search(admin_page.name):
            small.append(page.url)
        if status == 200 and admin_page.name.endswith("_add") and page.url.endswith("/add/"):
            save = page.locator('input[name="_save"]')
            if save.count():
                with page.expect_navigation():
                    save.click()
                sweep.check(f"{label}, errors")
    _action_pages(sweep, role)
    # The schedule and appointment pages at a phone's width.
    page.set_viewport_size(PHONE)
    for url in small:
        sweep.goto(url)
        sweep.check_once(f"{role}: {url.removeprefix(sweep.base)}")
    print(f"\n{role}: not pages: {not_pages}")
    sweep.assert_clean(started)


def _action_pages(sweep: Sweep, role: str) -> None:
    """The intermediate pages of the admin actions that ask before acting."""
    page = sweep.page
    for changelist, action in [
        ("admin:booking_patient_changelist", "merge_patients"),
        ("admin:booking_appointment_changelist", "cancel_and_notify"),
    ]:
        response = sweep.goto(reverse(changelist))
        if response.status != 200 or not page.locator(f'option[value="{action}"]').count():
            continue
        boxes = page.locator('input[name="_selected_action"]')
        boxes.nth(0).check()
        boxes.nth(1).check()
        page.select_option('select[name="action"]', action)
        with page.expect_navigation():
            page.locator('button[name="index"]').click()
        sweep.check(f"{role}: {action}")
