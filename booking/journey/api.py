"""The JSON availability endpoint, for the booking pages' scripts and for integrations.

`GET /api/availability?type=<slug>&start=YYYY-MM-DD&days=N[&practitioner=<id>]`

Public and anonymous: it says when the clinic is free, never who booked what. Every parameter
is checked before anything is loaded, so bad input gets a 400 with a JSON error (never a 500),
and a request costs a fixed number of queries whatever the range.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from booking import catalogue
from booking.models import Practitioner
from booking.scheduling.clock import local_today
from booking.scheduling.inputs import DATE_RE, ID_RE, parse_date, within
from booking.scheduling.selectors import available_slots, consultation_type_public_get

MAX_DAYS = 31
DEFAULT_DAYS = 7
# A start this far from today is a typo or a probe, not a booking question.
MAX_START_DISTANCE = timedelta(days=400)

# ASCII only: `\d` and int() would read "٣" as 3.
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}", re.ASCII)
_DATE = DATE_RE
_DAYS = re.compile(r"[0-9]{1,2}", re.ASCII)
_ID = ID_RE


class BadRequest(Exception):
    pass


def _error(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


def _param(request: HttpRequest, name: str, pattern: re.Pattern, message: str) -> str | None:
    value = request.GET.get(name)
    if value is None or value == "":
        return None
    if not pattern.fullmatch(value):
        raise BadRequest(message)
    return value


def _parse(request: HttpRequest) -> tuple[str, date, int, int | None]:
    slug = _param(request, "type", _SLUG, "type must be a consultation type's slug.")
    if slug is None:
        raise BadRequest("type is required.")
    today = local_today()
    raw_start = _param(request, "start", _DATE, "start must be a date as YYYY-MM-DD.")
    if raw_start is None:
        start = today
    else:
        parsed = parse_date(raw_start, today=today, reach=timedelta.max)
        if parsed is None:
            raise BadRequest("start must be a real calendar date as YYYY-MM-DD.")
        if not within(parsed, today=today, reach=MAX_START_DISTANCE):
            raise BadRequest("start is too far from today.")
        start = parsed
    raw_days = _param(request, "days", _DAYS, f"days must be a whole number from 1 to {MAX_DAYS}.")
    days = DEFAULT_DAYS if raw_days is None else int(raw_days)
    if not 1 <= days <= MAX_DAYS:
        raise BadRequest(f"days must be a whole number from 1 to {MAX_DAYS}.")
    raw_id = _param(request, "practitioner", _ID, "practitioner must be a practitioner's id.")
    return slug, start, days, None if raw_id is None else int(raw_id)


@never_cache
@require_safe
@catalogue.pinned()
def availability(request: HttpRequest) -> JsonResponse:
    """Free slots per day for a consultation type, for one or any practitioner."""
    try:
        slug, start, days, practitioner_id = _parse(request)
    except BadRequest as exc:
        return _error(str(exc))

    consultation_type = consultation_type_public_get(slug)
    if consultation_type is None:
        return _error("Unknown consultation type.")

    last_day = start + timedelta(days=days - 1)
    slots_by_day = available_slots(
        consultation_type=consultation_type,
        first_day=start,
        last_day=last_day,
        practitioner_id=practitioner_id,
    )
    # A practitioner with a free time offers the type (the loader reads only the hours of
    # active practitioners who do): only an empty answer needs the check, one query saved on
    # every other request.
    if (
        practitioner_id is not None
        and not slots_by_day
        and not Practitioner.objects.filter(
            pk=practitioner_id, active=True, consultation_types=consultation_type
        ).exists()
    ):
        return _error("Unknown practitioner for this consultation type.")
    # Practitioners share times: format each distinct instant once. Keyed with the fold, as
    # 01:30 EDT and 01:30 EST are equal as datetimes of one zone.
    iso: dict[tuple[datetime, int], str] = {}

    def iso_of(moment: datetime) -> str:
        key = (moment, moment.fold)
        text = iso.get(key)
        if text is None:
            text = iso[key] = moment.isoformat()
        return text

    payload_days = []
    day = start
    while day <= last_day:
        payload_days.append(
            {
                "date": day.isoformat(),
                "slots": [
                    {
                        "start": iso_of(slot.start),
                        "end": iso_of(slot.end),
                        "practitioner": slot.practitioner_id,
                    }
                    for slot in slots_by_day.get(day, ())
                ],
            }
        )
        day += timedelta(days=1)
    response = JsonResponse(
        {"type": consultation_type.slug, "time_zone": settings.TIME_ZONE, "days": payload_days}
    )
    # Public, cookie-free data that a clinic's marketing site may fetch from its own origin.
    response["Access-Control-Allow-Origin"] = "*"
    return response
