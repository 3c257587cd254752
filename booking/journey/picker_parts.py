"""The parts of the time picker's page that change only with the catalogue (the consultation
type and its practitioners) and the language, rendered once per process and kept under the
catalogue's stamp (booking/catalogue.py): the steps, heading and type line, and the filter by
practitioner. With the month and the times built in Python (picker.py), they were most of the
page's template work, identical on every request. Never stale: an edit to a type or a
practitioner, however made, changes the stamp, and the next request renders them afresh;
templates change only with a release, which starts new processes.
"""

from __future__ import annotations

import functools

from django.template.loader import render_to_string
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from booking import catalogue

# The month grid's columns, Sunday first as on a US calendar; the names come from Django's own
# catalogues (django.utils.dates), so they are in the page's language without ours.
GRID_WEEKDAYS = (6, 0, 1, 2, 3, 4, 5)


def picker_intro(*, consultation_type, step: int) -> SafeString:
    """The booking steps, the heading and "Follow-up: 30 minutes, in person." (a new booking)."""
    return catalogue.kept(
        "picker intro",
        (get_language(), consultation_type.pk, step),
        lambda: render_to_string(
            "booking/_choose_time_intro.html",
            {"consultation_type": consultation_type, "step": step},
        ),
    )


def practitioner_filter(*, practitioners, selected, any_allowed: bool, base_url: str) -> SafeString:
    """ "Who would you like to see?": a radio for each practitioner (photo, credentials, bio)."""
    return catalogue.kept(
        "practitioner filter",
        (
            get_language(),
            tuple(p.pk for p in practitioners),
            selected.pk if selected else None,
            any_allowed,
            base_url,
        ),
        lambda: render_to_string(
            "booking/_practitioner_filter.html",
            {
                "practitioners": practitioners,
                "selected_practitioner": selected,
                "any_allowed": any_allowed,
                "base_url": base_url,
            },
        ),
    )


@functools.lru_cache(maxsize=16)
def _weekday_header(language: str | None) -> SafeString:
    return format_html_join(
        "",
        '<th scope="col"><abbr title="{}">{}</abbr></th>',
        ((WEEKDAYS[day], WEEKDAYS_ABBR[day]) for day in GRID_WEEKDAYS),
    )


def weekday_header() -> SafeString:
    """The month grid's column headings in the page's language (kept per language)."""
    return _weekday_header(get_language())
