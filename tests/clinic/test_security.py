import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import path
from django.views.debug import ExceptionReporter

from clinic.logging import (
    HEALTH_FIELDS,
    HealthDataExceptionReporterFilter,
    HealthDataFilter,
    JsonFormatter,
    scrub,
)
from clinic.security import client_ip

pytestmark = pytest.mark.django_db

REPO = Path(django_settings.BASE_DIR)

# The production environment docs/deploy.md documents (secrets replaced by test values).
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "test-" + "k" * 60,
    "ALLOWED_HOSTS": "clinic.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://clinic.example.com",
    "SITE_URL": "https://clinic.example.com",
    "TRUST_X_FORWARDED_PROTO": "true",
    "CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR",
    "SECURE_HSTS_PRELOAD": "true",
}


def _run(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env={
            "PATH": os.environ.get("PATH", ""),
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "VAR_DIR": str(tmp_path / "var"),
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_check_deploy_passes_with_documented_production_env(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV, tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_harden_cookies_and_transport(tmp_path):
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k, None) for k in ["
        "'SESSION_COOKIE_SECURE','SESSION_COOKIE_HTTPONLY','SESSION_COOKIE_SAMESITE',"
        "'CSRF_COOKIE_SECURE','SECURE_SSL_REDIRECT','SECURE_HSTS_SECONDS',"
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS','SECURE_PROXY_SSL_HEADER','SECURE_REFERRER_POLICY',"
        "'SECURE_CONTENT_TYPE_NOSNIFF','LOG_FORMAT','STORAGES','SECURE_REDIRECT_EXEMPT']}))"
    )
    result = _run(["-c", script], PRODUCTION_ENV, tmp_path)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["LOG_FORMAT"] == "json"
    assert values["SECURE_REDIRECT_EXEMPT"] == ["^healthz$"]  # the balancer probes over http
    # whitenoise's compressed manifest storage, its URLs kept per process.
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == "clinic.static_storage.StaticStorage"
    assert values["STORAGES"]["default"]["BACKEND"].endswith("FileSystemStorage")


def test_proxy_headers_untrusted_without_opt_in(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "TRUST_X_FORWARDED_PROTO"}
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(getattr(s, 'SECURE_PROXY_SSL_HEADER', None))"
    )
    result = _run(["-c", script], env, tmp_path)
    assert result.stdout.strip().splitlines()[-1] == "None"


def test_media_on_s3_when_bucket_configured(tmp_path):
    env = {**PRODUCTION_ENV, "MEDIA_S3_BUCKET": "clinic-media", "MEDIA_S3_REGION": "us-east-1"}
    script = (
        "import django; django.setup(); from django.core.files.storage import storages; "
        "s = storages['default']; print(type(s).__module__, s.bucket_name)"
    )
    result = _run(["-c", script], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "storages.backends.s3",
        "clinic-media",
    ]


def test_collectstatic_serves_hashed_compressed_assets(tmp_path):
    env = {**PRODUCTION_ENV, "STATIC_ROOT": str(tmp_path / "static")}
    collect = _run(["manage.py", "collectstatic", "--noinput", "-v", "0"], env, tmp_path)
    assert collect.returncode == 0, collect.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/site.css"]
    assert hashed != "css/site.css"
    assert (tmp_path / "static" / f"{hashed}.gz").exists()

    script = (
        "import django; django.setup(); from django.test import Client; "
        "from django.templatetags.static import static; "
        "url = static('css/site.css'); "
        "r = Client().get(url, secure=True, headers={'accept-encoding': 'gzip'}); "
        "print(url, r.status_code, r.headers.get('Cache-Control').replace(' ', ''), "
        "r.headers.get('Content-Encoding'))"
    )
    served = _run(["-c", script], {**env, "ALLOWED_HOSTS": "testserver"}, tmp_path)
    assert served.returncode == 0, served.stderr
    url, status, cache_control, encoding = served.stdout.strip().splitlines()[-1].split()
    assert url == f"/static/{hashed}"
    assert status == "200"
    assert "immutable" in cache_control
    assert encoding == "gzip"


@pytest.mark.parametrize(
    "url",
    ["/book/", "/api/availability?type=x&start=2026-01-01&days=1", "/admin/login/"],
)
def test_private_pages_are_never_stored(client, url):
    response = client.get(url)
    assert response.headers["Cache-Control"] == "no-store, private"


def test_public_pages_keep_their_cache_policy(client):
    response = client.get("/")
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_every_response_carries_hardening_headers(client):
    response = client.get("/")
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_client_ip_ignores_forwarded_header_unless_configured(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6")
    settings.CLIENT_IP_HEADER = ""
    assert client_ip(request) == "10.0.0.5"


def test_client_ip_takes_the_address_the_proxy_appended(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    assert client_ip(request) == "203.0.113.9"


def test_health_field_list_matches_intake_model():
    from booking.models import Intake

    bookkeeping = {
        "id",
        "appointment",
        "questionnaire_completed_at",
        "anonymised_at",
        "updated_at",
    }
    assert {f.name for f in Intake._meta.concrete_fields} - bookkeeping == HEALTH_FIELDS


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("saving intake {'note': 'knee swells at night', 'pain_score': 8}", "knee swells"),
        ('{"current_medications": "oxycodone 5mg", "id": 3}', "oxycodone"),
        ("IntakeDetails(joints=['knee', 'hip'], note='x')", "'hip'"),
        ("POST joints=knee&imaging=MRI+2024&email=a", "MRI"),
        ("Not Found: /book/manage/abc.DEF-123:xyz/calendar.ics", "abc.DEF-123"),
    ],
)
def test_scrub_redacts_health_values_and_manage_tokens(text, secret):
    assert secret not in scrub(text)
    assert "[redacted]" in scrub(text)


def _configured_stream() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(HealthDataFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.clinic.security")
    logger.handlers = [handler]
    logger.propagate = False
    return logger, stream


def test_json_log_lines_carry_no_health_details():
    logger, stream = _configured_stream()
    answers = {"note": "swollen left knee", "joints": ["knee"]}
    try:
        raise ValueError(f"bad answers {answers!r}")
    except ValueError:
        logger.exception("intake save failed for %r", answers)

    line = json.loads(stream.getvalue())
    assert line["level"] == "ERROR"
    assert line["logger"] == "tests.clinic.security"
    assert "swollen" not in json.dumps(line)
    assert "ValueError" in line["exception"]


def test_root_handler_filters_health_data():
    handlers = logging.getLogger().handlers + logging.getLogger("django").handlers
    # pytest adds its capture handlers to the root; ours is the one the settings named.
    ours = [h for h in handlers if h.name == "stdout"]
    assert len(ours) == 2
    for handler in ours:
        assert any(isinstance(f, HealthDataFilter) for f in handler.filters)


def _crashing_intake_view(request: HttpRequest) -> HttpResponse:
    answers = dict(request.POST.items())  # noqa: F841 - a local the error report would show
    raise RuntimeError("questionnaire blew up")


urlpatterns = [path("crash/", _crashing_intake_view)]


def test_error_report_redacts_health_post_fields_and_locals(settings):
    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = "clinic.logging.HealthDataExceptionReporterFilter"
    request = RequestFactory().post(
        "/crash/",
        {"intake-note": "swollen left knee", "imaging": "MRI 2024", "contact_name": "Ada"},
    )
    try:
        _crashing_intake_view(request)
    except RuntimeError:
        report = ExceptionReporter(request, *sys.exc_info()).get_traceback_text()

    assert "swollen" not in report
    assert "MRI 2024" not in report
    assert "Ada" in report  # only health fields are redacted: the report stays useful


@pytest.mark.urls("tests.clinic.test_security")
def test_server_error_response_shows_no_posted_health_details(client):
    client.raise_request_exception = False
    response = client.post("/crash/", {"note": "swollen left knee"})
    assert response.status_code == 500
    assert "swollen" not in response.content.decode()


def test_exception_reporter_filter_is_the_health_data_one():
    from django.views.debug import get_default_exception_reporter_filter

    assert isinstance(get_default_exception_reporter_filter(), HealthDataExceptionReporterFilter)


def test_production_logs_are_json_lines_on_stdout_without_health_details(tmp_path):
    script = (
        "import django, logging; django.setup(); "
        "logging.getLogger('booking.services').error("
        "'intake save failed: %r', {'note': 'swollen left knee', 'pain_score': 9})"
    )
    result = _run(["-c", script], PRODUCTION_ENV, tmp_path)
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout.strip().splitlines()[-1])
    assert line["level"] == "ERROR"
    assert line["logger"] == "booking.services"
    assert "swollen" not in line["message"]
    assert "9}" not in line["message"]
    assert "[redacted]" in line["message"]


def test_staff_login_locks_out_after_repeated_failures(client, settings):
    from tests.factories import UserFactory

    user = UserFactory(username="dr.lock")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "dr.lock", "password": "wrong"})

    response = client.post(
        "/admin/login/", {"username": user.username, "password": "test-password-123"}
    )

    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_axes_records_a_bounded_username():
    from clinic.security import axes_username

    request = RequestFactory().post("/admin/login/", {"username": "a\x00" + "b" * 5000})
    assert axes_username(request) == "a" + "b" * 149
    assert axes_username(request, {"username": "dr.x"}) == "dr.x"


def test_production_static_storage_gives_the_manifest_urls_and_keeps_them(tmp_path, settings):
    """clinic.static_storage keeps each URL once found: the same hashed URL as whitenoise's
    storage gives, and a name missing from the manifest still refused every time."""
    from django.core.management import call_command
    from whitenoise.storage import CompressedManifestStaticFilesStorage

    from clinic.static_storage import StaticStorage

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "clinic.static_storage.StaticStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    ours, theirs = (
        StaticStorage(location=tmp_path),
        CompressedManifestStaticFilesStorage(location=tmp_path),
    )

    for _ in range(2):
        assert ours.url("css/site.css") == theirs.url("css/site.css")
    assert ours.url("css/site.css") != "/static/css/site.css"  # hashed
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            ours.url("css/no-such-file.css")
