"""Shared test set-up: hypothesis profiles, real-service markers, the CI skip policy, factories."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from clinic.celery_app import app as celery_app

# A loaded 2-core CI machine must not turn slow examples into failures; derandomised so a
# red run can be replayed.
hypothesis_settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
hypothesis_settings.register_profile(
    "dev",
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Playwright's sync API runs an event loop in the test thread; Django's async-safety check
# would otherwise refuse the ORM calls browser tests make around it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _skip_reason_for(item: pytest.Item) -> str | None:
    if item.get_closest_marker("postgres") and not django_settings.IS_POSTGRES:
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if item.get_closest_marker("redis") and not django_settings.REDIS_URL:
        return "needs Redis: set REDIS_URL=redis://..."
    if item.get_closest_marker("browser") and not os.path.exists(CHROMIUM):
        return "needs Chromium at /usr/bin/chromium (apt-get install chromium)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The axe sweep looks at rendered pages, which do not depend on the database: it runs in
    # the SQLite run only. Deselected, not skipped, so CI_SKIP_POLICY=none stays satisfied.
    if django_settings.IS_POSTGRES:
        swept = [item for item in items if item.get_closest_marker("axe_sweep")]
        if swept:
            config.hook.pytest_deselected(items=swept)
            items[:] = [item for item in items if not item.get_closest_marker("axe_sweep")]
    for item in items:
        reason = _skip_reason_for(item)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """CI's skip policy: CI_SKIP_POLICY=none fails every skip; =services allows only skips of
    tests marked as needing PostgreSQL or Redis. Unset (a developer's run): skips are fine."""
    outcome = yield
    report = outcome.get_result()
    policy = os.environ.get("CI_SKIP_POLICY", "")
    if not policy or not report.skipped or hasattr(report, "wasxfail"):
        return
    allowed = policy == "services" and (
        item.get_closest_marker("postgres") or item.get_closest_marker("redis")
    )
    if not allowed:
        report.outcome = "failed"
        report.longrepr = f"Skipped, which CI_SKIP_POLICY={policy} forbids: {report.longrepr}"


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction"))


@pytest.fixture(scope="module", autouse=True)
def _restore_migration_rows(request, django_db_blocker):
    """After a module's transactional tests, put back the rows the migrations made.

    A transactional test ends by flushing every table. serialized_rollback (which every
    transactional test here uses) reloads the migrations' rows (the clinic profile, the staff
    groups, content types) before each such test, but not after the last one: the plain tests
    that run next in the same process would find them gone. pytest-django runs transactional
    tests last, but xdist's --dist loadfile keeps a module together, so a module mixing both
    kinds (tests/booking/test_seams.py) flushes in the middle of a run.
    """
    yield
    if not any(
        item.module is request.module and _is_transactional(item) for item in request.session.items
    ):
        return
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections

    with django_db_blocker.unblock():
        if ContentType.objects.exists():
            return  # nothing was flushed (the transactional tests were skipped)
        for conn in connections.all():
            contents = getattr(conn, "_test_serialized_contents", None)
            if contents:
                conn.creation.deserialize_db_from_string(contents)


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks run in-process unless a test starts a real worker (it turns this off itself)."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Staff logins are made in many tests; a slow password hash only costs time here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_cache(settings):
    """Each test gets an empty in-memory cache of its own. The configured one (a file folder,
    or Redis, which is also Celery's broker) is shared by both test processes: a rate-limit
    counter or a clear() in one test must never reach another test or the broker's queues."""
    from django.core.cache import caches

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"},
        # The public page cache (clinic/pagecache.py) too: on, as in production, and empty.
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages",
            "TIMEOUT": None,
        },
    }
    caches["default"].clear()
    caches["pages"].clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- Real Chromium through Playwright ---------------------------------------------------------
# One browser per test process (starting Chromium is the slow part, and Playwright's sync API
# allows one running instance per thread); a fresh context per test, so none shares cookies.

ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="session")
def browser(django_db_setup):
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Chromium at /usr/bin/chromium")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # The migrations' rows (clinic profile, staff groups, starter articles) that
    # serialized_rollback puts back before each transactional test, kept by Django on the
    # connection object. Playwright's sync API leaves an event loop running in this thread,
    # and from then on Django hands out other connection objects (asgiref keeps them per
    # async context), which lack that copy: every later transactional test in this process
    # would start from an empty database, and every later test at all from a flushed one.
    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport=PHONE, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    page.js_errors = errors
    yield page
    context.close()
    assert not errors, f"JavaScript or CSP errors: {errors}"


@pytest.fixture
def snap(request):
    """snap(page, "step-name"): a full-page screenshot kept under test-artifacts/<test>/."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 100))

    def take(page, name: str) -> Path:
        path = folder / f"{next(counter):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def axe_clean():
    """axe_clean(page): assert axe-core finds no WCAG 2.2 A/AA violation (tests/accessibility)."""
    from tests.accessibility import axe_violations

    def check(page) -> None:
        violations = axe_violations(page)
        assert not violations, f"{page.url}\n" + "\n".join(violations)

    return check


class RecordingSMTPHandler:
    """An aiosmtpd handler that keeps every message and can refuse the next few with a code."""

    def __init__(self):
        self.messages: list[bytes] = []
        self.refusals: list[str] = []

    def refuse_next(self, count: int, reply: str = "451 4.3.0 Try again later") -> None:
        self.refusals.extend([reply] * count)

    async def handle_DATA(self, server, session, envelope):
        if self.refusals:
            return self.refusals.pop(0)
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free local port; Django's SMTP backend pointed at it."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = RecordingSMTPHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    from clinic.settings import smtp_mailer

    settings.MAILERS = {"default": smtp_mailer(host="127.0.0.1", port=port)}
    handler.port = port
    yield handler
    controller.stop()


@pytest.fixture(autouse=True)
def sms_outbox(settings, tmp_path):
    """Texts go to booking.messaging.sms.backends.outbox (quiet hours: see `texts_any_hour`)."""
    from booking.messaging.sms import backends

    settings.SMS_BACKEND = "booking.messaging.sms.backends.LocmemBackend"
    settings.SMS_OUTBOX_DIR = tmp_path / "sms-outbox"
    backends.outbox.clear()
    yield backends.outbox
    backends.outbox.clear()
