"""Site-wide pages: home, health check, robots.txt and the error pages."""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from booking.messaging.health import reminder_pipeline_fresh
from booking.scheduling.selectors import consultation_type_list_public
from clinic.language import path_language, supported


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "home.html",
        {"consultation_types": consultation_type_list_public()},
    )


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return False


def _broker_ok() -> bool:
    from clinic.celery_app import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # noqa: BLE001
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database, the broker and the reminder pipeline answer; 503 otherwise."""
    checks = {
        "database": _database_ok(),
        "broker": _broker_ok(),
    }
    if checks["database"]:
        checks["reminders"] = reminder_pipeline_fresh()
    healthy = all(checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        f"Disallow: /{settings.ADMIN_URL}",
        "Disallow: /book/manage/",
        "Disallow: /api/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page in the language the patient was reading: the one the language middleware
    chose (the URL's, or a private page's stored one if it was read before the failure), else
    the URL's. Rendered without context processors and without a query: the database may be
    what failed."""
    language = (
        supported(getattr(request, "LANGUAGE_CODE", None))
        or path_language(request.path_info)
        or settings.LANGUAGE_CODE
    )
    with translation.override(language):
        try:
            home_url = reverse("home")
        except Exception:  # noqa: BLE001 - the error page must render whatever failed
            home_url = "/"
        body = loader.get_template("500.html").render({"home_url": home_url})
    return HttpResponse(body, status=500, headers={"Content-Language": language})


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403 in the clothes of the part of the site it happened in: the back office's frame for
    staff pages, the site's for the rest. The exception's text is never shown (it can name a
    permission or a record), and the page says the same whatever was refused."""
    if request.path_info.startswith("/" + settings.ADMIN_URL):
        from django.contrib import admin

        context = {**admin.site.each_context(request), "title": gettext("No access to this page")}
        template = "admin/403.html"
    else:
        context, template = {}, "403.html"
    return HttpResponseForbidden(loader.render_to_string(template, context, request))
