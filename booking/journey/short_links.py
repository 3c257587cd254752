"""/m/<code>: the short form of a private link, for text messages; our own path, no shortener.

The code is 16 random url-safe characters stored per subject and link version (ShortLink), not
a compact signed encoding: a signature would make it longer than a text should carry, and a
stored code dies with the version it was made for (revocation) and can be deleted.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from booking.journey.common import link_not_found
from booking.links.short import short_code_target
from booking.links.tokens import link_subject_get, link_token


@never_cache
@require_GET
def short_link(request: HttpRequest, code: str) -> HttpResponse:
    target = short_code_target(code)
    if target is None:
        return link_not_found(request)
    prefix, subject = target
    return HttpResponseRedirect(
        link_subject_get(prefix).landing(link_token(subject, prefix=prefix))
    )
