"""Structured logs on stdout, and the backstops that keep health details out of them.

The code never passes intake answers to a logger. These filters are the second line: if a value
ever slips into a message, an exception text or an error report, the known health field names
and manage tokens are redacted before anything leaves the process.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from django.views.debug import SafeExceptionReporterFilter

REDACTED = "[redacted]"

# booking.models.Intake's fields that hold health details (a test keeps this list in step with
# the model; the settings module loads this file before any model can be imported).
HEALTH_FIELDS = frozenset(
    {
        "joints",
        "note",
        "pain_score",
        "pain_duration",
        "aggravating_factors",
        "previous_treatments",
        "current_medications",
        "imaging",
    }
)

_FIELD_ALTERNATION = "|".join(sorted(HEALTH_FIELDS, key=len, reverse=True))
# `note=...`, `'note': '...'`, `"joints": ["knee"]`, `note: text`: a health field followed by its
# value, in the shapes repr(), JSON, query strings and f-strings produce.
_HEALTH_VALUE = re.compile(
    rf"""(?P<key>['"]?\b(?:{_FIELD_ALTERNATION})\b['"]?\s*[:=]\s*)"""
    r"""(?P<value>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\[[^\]]*\]|[^,&\s})]+)"""
)
# The manage link's token is a bearer credential: it must not sit in logs either.
_MANAGE_TOKEN = re.compile(r"(/book/manage/)[^/\s?\"']+")


def scrub(text: str) -> str:
    """Redact health field values and manage tokens from free text."""
    text = _HEALTH_VALUE.sub(lambda m: m.group("key") + REDACTED, text)
    return _MANAGE_TOKEN.sub(r"\1" + REDACTED, text)


class HealthDataFilter(logging.Filter):
    """Rewrites each record's message and exception text through `scrub`."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the record
            message = str(record.msg)
        record.msg = scrub(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        # django.request attaches the request; formatters must not dump it, so drop it here.
        if hasattr(record, "request"):
            record.request = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: what log shippers parse without a grok pattern."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        status_code = getattr(record, "status_code", None)
        if status_code is not None:
            payload["status"] = status_code
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            payload["exception"] = record.exc_text
        return json.dumps(payload, default=str)


class HealthDataExceptionReporterFilter(SafeExceptionReporterFilter):
    """Error reports (admin emails, the debug page) never show health details, whether or not
    the view remembered `sensitive_post_parameters`."""

    def is_active(self, request) -> bool:
        # Also with DEBUG on: a developer's screenshot of an error page is a leak too.
        return True

    def get_post_parameters(self, request):
        if request is None:
            return {}
        marked = getattr(request, "sensitive_post_parameters", [])
        if marked == "__ALL__":
            return super().get_post_parameters(request)
        names = set(marked) | {key for key in request.POST if _is_health_key(key)}
        if not names:
            return request.POST
        request.sensitive_post_parameters = sorted(names)
        return self._cleanse_multivaluedict(request.POST, request.sensitive_post_parameters)

    def cleanse_special_types(self, request, value):
        value = super().cleanse_special_types(request, value)
        if type(value).__name__ in {"Intake", "IntakeDetails", "HistoricalIntake"}:
            return self.cleansed_substitute
        if isinstance(value, dict) and any(_is_health_key(k) for k in value):
            return {
                k: self.cleansed_substitute if _is_health_key(k) else v for k, v in value.items()
            }
        return value


def _is_health_key(key: object) -> bool:
    # Form prefixes ("intake-note") and formset names ("form-0-imaging") end in the field name.
    return isinstance(key, str) and re.split(r"[-.]", key)[-1] in HEALTH_FIELDS
