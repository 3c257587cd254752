"""Phone numbers as people read them: "(413) 555-0101" for a number of the clinic's own country,
"+44 20 7946 0958" for another. Stored in E.164; shown this way on every page and in the admin
(a template built-in, see TEMPLATES in settings)."""

from __future__ import annotations

import phonenumbers
from django import template
from django.conf import settings

register = template.Library()


@register.filter
def phone(value) -> str:
    if not value:
        return ""
    try:
        number = phonenumbers.parse(str(value), settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return str(value)
    home = phonenumbers.region_code_for_number(number) == settings.PHONENUMBER_DEFAULT_REGION
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)
