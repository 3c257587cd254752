"""Staff sessions expire: after STAFF_SESSION_IDLE_TIMEOUT without a request, and after
STAFF_SESSION_MAX_AGE in all, whatever the activity.

Only authenticated staff are concerned: a patient's booking session (anonymous) keeps Django's
ordinary session lifetime.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

SESSION_KEY = "_staff_session"
# Writing the session on every request would cost a database write per click; a minute's
# precision is plenty for a 30-minute idle limit.
TOUCH_EVERY_SECONDS = 60


class StaffSessionExpiryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            self._check(request, user)
        return self.get_response(request)

    def _check(self, request: HttpRequest, user) -> None:
        now = time.time()
        idle = settings.STAFF_SESSION_IDLE_TIMEOUT.total_seconds()
        max_age = settings.STAFF_SESSION_MAX_AGE.total_seconds()
        state = request.session.get(SESSION_KEY)
        if not isinstance(state, dict) or state.get("uid") != user.pk:
            request.session[SESSION_KEY] = {"uid": user.pk, "login": now, "seen": now}
            return
        if now - state["seen"] > idle or now - state["login"] > max_age:
            logout(request)
            messages.info(request, "Your session has expired. Please sign in again.")
            return
        if now - state["seen"] >= TOUCH_EVERY_SECONDS:
            request.session[SESSION_KEY] = {**state, "seen": now}
