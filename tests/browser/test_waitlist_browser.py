"""The waitlist's patient pages in Chromium, checked with axe-core against WCAG 2.0-2.2 A/AA
(target-size included: it runs only when the wcag22aa tag is asked for) and best practice."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from booking.models import WaitlistOffer
from booking.waitlist.links import entry_token
from tests.factories import (
    ConsultationTypeFactory,
    PractitionerFactory,
    WaitlistEntryFactory,
    WaitlistOfferFactory,
    next_weekday_at,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_22_clean(page) -> None:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": TAGS}})
    ran = {
        rule["id"]
        for key in ("passes", "violations", "incomplete", "inapplicable")
        for rule in results.response[key]
    }
    assert "target-size" in ran
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


@pytest.fixture
def waitlist_world():
    ctype = ConsultationTypeFactory(slug="initial", name="Initial consultation")
    ada = PractitionerFactory(
        display_name="Dr. Ada Reyes",
        consultation_types=[ctype],
        weekly_hours=[(d, time(9), time(17)) for d in range(5)],
    )
    return ctype, ada


def _offer(ctype, ada, **fields) -> WaitlistOffer:
    entry = WaitlistEntryFactory(consultation_type=ctype)
    start = next_weekday_at(10)
    return WaitlistOfferFactory(
        entry=entry,
        hold__consultation_type=ctype,
        hold__practitioner=ada,
        hold__start=start,
        hold__end=start + timedelta(minutes=30),
        **fields,
    )


def test_the_waitlist_pages_have_no_wcag_22_violations(page, live_server, waitlist_world):
    ctype, ada = waitlist_world
    pending = WaitlistEntryFactory(consultation_type=ctype, status="pending", confirmed_at=None)
    active = WaitlistEntryFactory(consultation_type=ctype, practitioner=ada)
    open_offer = _offer(ctype, ada)
    taken = _offer(ctype, ada, status=WaitlistOffer.Status.MISSED, ended_at=timezone.now())
    pages = {
        "join": f"/book/{ctype.slug}/waitlist/",
        "confirm": f"/waitlist/{entry_token(pending)}/confirm/",
        "manage": f"/waitlist/{entry_token(active)}/",
        "offer": f"/waitlist/{entry_token(open_offer.entry)}/offers/{open_offer.pk}/",
        "taken": f"/waitlist/{entry_token(taken.entry)}/offers/{taken.pk}/",
    }
    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, name
        axe_22_clean(page)
    # The join form's errors are a page of their own.
    page.goto(live_server.url + pages["join"])
    page.get_by_role("button").last.click()
    axe_22_clean(page)
