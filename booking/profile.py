"""The clinic's own profile (name, contact details, booking and reminder rules), read once here.

Scheduling, messaging, patients' data rights, the pages and the education app all need it, so it
sits beside them rather than inside any one of them: none has to import another room to read it.
"""

from __future__ import annotations

from booking.models import ClinicProfile


def clinic_profile_get() -> ClinicProfile:
    """The clinic profile (row pk=1, created with defaults by a migration)."""
    profile = ClinicProfile.objects.filter(pk=1).first()
    if profile is None:
        profile, _ = ClinicProfile.objects.get_or_create(
            pk=1,
            defaults={
                "name": "Clinic",
                "address": "",
                "phone": "",
                "email": "clinic@example.com",
                "opening_hours": "",
            },
        )
    return profile
