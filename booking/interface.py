"""What other apps (education today, care later) may use of booking, and nothing else.

The import contracts in pyproject.toml hold every app but booking itself and `clinic` (the
project, which wires the apps together) to this module: booking's rooms can then be rearranged
without touching its neighbours. Add a name here only when another app needs it, and keep it to
stable things: choices, models other apps point at, read-only selectors.
"""

from __future__ import annotations

from booking.models import ClinicProfile, ConsultationType, Joint
from booking.profile import clinic_profile_get

__all__ = ["ClinicProfile", "ConsultationType", "Joint", "clinic_profile_get"]
