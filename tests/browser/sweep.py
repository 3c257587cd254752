"""The axe sweep's shared parts: one browser tab that checks page after page and keeps every
finding, so one run lists every fix (tests/browser/test_axe_sweep_*.py).

The sweep is marked `axe_sweep`: it runs once per CI, in the SQLite run (tests/conftest.py
deselects it on PostgreSQL: what axe sees does not depend on the database).
"""

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse

from tests.accessibility import axe_violations
from tests.back_office import PASSWORD

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
REFLOW = 320  # WCAG 1.4.10: a 1280 px window at 400 % zoom

SWEEP_MARKS = [
    pytest.mark.browser,
    pytest.mark.axe_sweep,
    # serialized_rollback: the flush after each live-server test must not take the rows the
    # migrations made (clinic profile, staff groups) from the tests that run after these.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class Sweep:
    """Checks pages in one tab and keeps every finding, so one run reports them all."""

    def __init__(self, page, live_server_url: str):
        self.page = page
        self.base = live_server_url
        self.findings: list[str] = []
        self.checked = 0
        self.seen: set[tuple[str, int]] = set()

    def goto(self, url: str):
        return self.page.goto(url if url.startswith("http") else self.base + url)

    def check(self, label: str, *, fits: bool = False) -> None:
        """axe at the current width; with `fits`, also at a phone's and a desktop's width, no
        sideways scrolling at 375 and 320 px, and the clinic's phone number showing."""
        # A page still loading has no styles yet: its links look like small inline text.
        self.page.wait_for_load_state("load")
        widths = [PHONE, DESKTOP] if fits else [self.page.viewport_size]
        start = self.page.viewport_size
        for size in widths:
            self.page.set_viewport_size(size)
            self._axe(label)
            if fits:
                self._phone_link_shows(label)
        if fits:
            for width in (PHONE["width"], REFLOW):
                self.page.set_viewport_size({"width": width, "height": 800})
                scroll = self.page.evaluate("document.documentElement.scrollWidth")
                if scroll > width:
                    self.findings.append(f"{label}: {scroll} px wide at {width} px ({self.url})")
        self.page.set_viewport_size(start)

    def check_once(self, label: str) -> bool:
        """check() unless this URL was already checked at this width; True if it ran."""
        key = (self.page.url, self.page.viewport_size["width"])
        if key in self.seen:
            return False
        self.seen.add(key)
        self.check(label)
        return True

    @property
    def url(self) -> str:
        return self.page.url.removeprefix(self.base)

    def _axe(self, label: str) -> None:
        self.checked += 1
        width = self.page.viewport_size["width"]
        for line in axe_violations(self.page):
            self.findings.append(f"{label} at {width} px ({self.url}): {line}")

    def _phone_link_shows(self, label: str) -> None:
        link = self.page.locator('header a[href^="tel:"]')
        if not (link.count() and link.first.is_visible()):
            width = self.page.viewport_size["width"]
            self.findings.append(f"{label} at {width} px: the clinic's phone link is hidden")

    def assert_clean(self, started: float) -> None:
        print(f"\naxe sweep: {self.checked} checks in {time.monotonic() - started:.0f} s")
        assert not self.findings, f"{len(self.findings)} finding(s):\n" + "\n".join(self.findings)


def log_in(sweep: Sweep, username: str) -> None:
    sweep.goto(reverse("admin:login"))
    sweep.page.fill("#id_username", username)
    sweep.page.fill("#id_password", PASSWORD)
    sweep.page.locator("input[type=submit]").click()
    sweep.page.wait_for_url(re.compile(re.escape(sweep.base + reverse("admin:index")) + "$"))
