import json
import subprocess
import sys

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_renders_clinic_identity_from_profile(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Riverside Joint &amp; Pain Clinic" in body
    assert 'href="#main"' in body  # skip link
    assert reverse("booking:start") in body
    assert reverse("education:article_list") in body


def test_every_page_carries_an_enforced_csp_without_unsafe_inline(client, admin_client):
    for c, url in [(client, reverse("home")), (admin_client, reverse("admin:index"))]:
        policy = c.get(url).headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy


def test_pages_load_no_third_party_assets(client):
    body = client.get(reverse("home")).content.decode()
    assert "https://" not in body.split("<body")[0]  # nothing in <head> from another origin
    assert "/static/bootstrap/css/bootstrap.min.css" in body
    assert "/static/django_htmx/htmx-2.min.js" in body


def test_healthz_reports_database_and_broker(client):
    from booking.messaging.scan import due_messages_scan

    # A heartbeat: without one (past the start-up grace, e.g. a reused test database) the
    # reminder check is red, which is another test's subject.
    due_messages_scan()
    response = client.get("/healthz")
    data = json.loads(response.content)
    assert response.status_code == 200, data
    assert data["checks"]["database"] is True
    assert data["checks"]["broker"] is True
    assert response.headers["Cache-Control"].startswith("max-age=0")


def test_unknown_page_gets_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "find that page" in response.content.decode()


def test_robots_txt_points_to_sitemap_and_hides_private_paths(client):
    body = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in body
    assert "Disallow: /book/manage/" in body


def test_time_zone_is_the_clinics(settings):
    assert settings.TIME_ZONE == settings.CLINIC_TIME_ZONE
    assert settings.USE_TZ is True


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "false", "ALLOWED_HOSTS": "clinic.example"}, "SECRET_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": "abcdefghij" * 5}, "ALLOWED_HOSTS"),
        # Start-up applies check --deploy's rule (security.W009): 50+ characters, 5+ different.
        ({"DEBUG": "false", "ALLOWED_HOSTS": "h", "SECRET_KEY": "k" * 32 + "abcde"}, "50"),
        ({"DEBUG": "false", "ALLOWED_HOSTS": "h", "SECRET_KEY": "a" * 49 + "b"}, "different"),
        ({"DEBUG": "false", "ALLOWED_HOSTS": "h", "SECRET_KEY": "abcd" * 20}, "different"),
        (
            {"DEBUG": "false", "ALLOWED_HOSTS": "h", "SECRET_KEY": "django-insecure-" + "x1" * 30},
            "insecure",
        ),
        ({"CLINIC_TIME_ZONE": "Mars/Olympus"}, "CLINIC_TIME_ZONE"),
    ],
)
def test_settings_refuse_unsafe_production_configuration(env, message, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; settings.DEBUG"],
        env={"DJANGO_SETTINGS_MODULE": "clinic.settings", "VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_start_up_and_check_deploy_agree_on_the_secret_key():
    """Start-up refuses exactly the keys security.W009 (check --deploy) flags."""
    from django.core.checks.security.base import check_secret_key
    from django.test import override_settings

    from clinic.secret_key import secret_key_problem

    keys = ["k" * 32 + "abcde", "a" * 49 + "b", "abcd" * 20, "abcde" * 10, "abcde" * 9 + "abcd"]
    keys += ["django-insecure-" + "x1y2z" * 10, "abcdefghij" * 5, "9Xq" * 30]
    for key in keys:
        with override_settings(SECRET_KEY=key):
            flagged = bool(check_secret_key(None))
        assert flagged == (secret_key_problem(key, dev_key="dev") is not None), key
