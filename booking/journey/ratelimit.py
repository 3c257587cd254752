"""A per-client rate limit on form submissions, kept in Django's cache.

A fixed window per (scope, client): simple, shared by every web process through the cache, and
good enough to stop a script hammering the booking form. The client is the address the trusted
proxy reports (settings.CLIENT_IP_HEADER) or REMOTE_ADDR; the cache key holds a hash of it, not
the address itself.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.http import HttpRequest

from clinic.security import client_ip


def _key(scope: str, request: HttpRequest) -> str:
    digest = hashlib.sha256((client_ip(request) or "unknown").encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}"


def rate_limited(request: HttpRequest, *, scope: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt; True when this client went over `limit` attempts in the window."""
    if limit <= 0:
        return False
    key = _key(scope, request)
    if cache.add(key, 1, timeout=window_seconds):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window_seconds)
        return False
    return count > limit
