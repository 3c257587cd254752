"""Browser-test fixtures: the axe sweep's tab (tests/browser/sweep.py)."""

import pytest

from tests.browser.sweep import DESKTOP, Sweep


@pytest.fixture
def sweep(browser, live_server):
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(15_000)
    yield Sweep(context.new_page(), live_server.url)
    context.close()
