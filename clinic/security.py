"""Header hardening Django's settings don't cover, and the one place that decides a client's IP."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Pages that show or take a patient's details: no browser, proxy or back-button cache may keep
# a copy (a shared family computer must not replay a booking confirmation).
# The Spanish booking pages too (/es/book/): the same views under the language prefix.
NO_STORE_PREFIXES = ("/book/", "/es/book/", "/api/")

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)


def _private_prefixes() -> tuple[str, ...]:
    return (*NO_STORE_PREFIXES, f"/{settings.ADMIN_URL}")


def is_private_path(path: str) -> bool:
    return path.startswith(_private_prefixes())


class SecurityHeadersMiddleware:
    """`Cache-Control: no-store, private` on booking, manage, API and admin pages, plus the
    cross-origin and permissions headers that have no Django setting."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_private_path(request.path):
            # Overrides never_cache's "max-age=0, no-cache, ..." too: no-store is the stronger.
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
            response["Expires"] = "0"
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.setdefault("X-Permitted-Cross-Domain-Policies", "none")
        return response


def client_ip(request: HttpRequest) -> str:
    """The client's address: from CLIENT_IP_HEADER only when a trusted proxy is configured.

    Without a proxy anyone can send X-Forwarded-For, so trusting it would let a client pick the
    address that login lock-outs are counted against. With a proxy, the proxy appends the
    address it saw as the last entry; earlier entries are the client's to invent.
    """
    header = settings.CLIENT_IP_HEADER
    if header:
        value = request.META.get(header, "")
        last = value.split(",")[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR", "")


# Django's user names are at most 150 characters; axes stores the attempted name in a 255-character
# column, so a longer one (the login form does not enforce the model's length) made PostgreSQL
# refuse the lock-out row and the login page answer 500.
AXES_USERNAME_MAX_LENGTH = 150


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The attempted user name, as axes records it: bounded, without NUL characters."""
    if credentials:
        value = credentials.get("username")
    else:
        value = getattr(request, "POST", {}).get("username")
    if value is None:
        return None
    return str(value).replace("\x00", "")[:AXES_USERNAME_MAX_LENGTH]
