"""The back office's admin registrations live in booking/backoffice/ (one module per area);
Django's admin autodiscovery imports this module, which imports them."""

from booking.backoffice import (  # noqa: F401
    admin_appointments,
    admin_clinic,
    admin_ledger,
    admin_patients,
    admin_staff,
    admin_texts,
    admin_waitlist,
)
