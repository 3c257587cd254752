"""Browser-test fixtures: the axe sweep's tab (tests/browser/sweep.py)."""

import pytest
from axe_playwright_python.base import AXE_FILE_PATH

from tests.browser.sweep import DESKTOP, Sweep


@pytest.fixture
def sweep(browser, live_server):
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(15_000)
    # axe-core in every document from its start, handed to Chromium once: sending its 570 kB
    # with each check cost about 7 % of the admin sweep's time per page.
    context.add_init_script(path=AXE_FILE_PATH)
    yield Sweep(context.new_page(), live_server.url)
    context.close()
