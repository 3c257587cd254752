from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from booking.profile import clinic_profile_get


def clinic(request: HttpRequest) -> dict:
    """The clinic's identity for the site shell (header, footer, emails share the same source)."""
    # Lazy: a view that already fetched the profile passes it as "clinic", which hides this one.
    return {"clinic": SimpleLazyObject(clinic_profile_get)}
