"""Admin autodiscovery: the registrations live in care/backoffice/."""

from care.backoffice import admin_plans, admin_rescheduling, admin_setup  # noqa: F401
