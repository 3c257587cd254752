from django.http import HttpRequest

from booking.selectors import clinic_profile_get


def clinic(request: HttpRequest) -> dict:
    """The clinic's identity for the site shell (header, footer, emails share the same source)."""
    return {"clinic": clinic_profile_get()}
