"""The clinic's own profile (name, contact details, booking and reminder rules), read once here.

Scheduling, messaging, patients' data rights, the pages and the education app all need it, so it
sits beside them rather than inside any one of them: none has to import another room to read it.

Every public page and the availability API read it, and it changes a few times a year, so each
process keeps a copy and asks the database only for the row's `updated_at`: one indexed
one-column query in plain SQL, against building the ORM query and the model instance (most of
the cost of reading the row). The copy is used while the two are equal. `save()` sets
`updated_at`, and so does the profile's `QuerySet.update()` (booking/models/clinic.py), so an
edit in any process, committed, is seen by the next read in every other one; a transaction
that edited the row reads its own edit, and a rolled-back edit is never kept (its `updated_at`
is not the committed one). The database stays the only source: no signal, no shared cache to
keep in step.
"""

from __future__ import annotations

import copy

from django.db import connection

from booking import catalogue
from booking.models import ClinicProfile

# (updated_at as stored, the row as read with it): this process's copy. A tuple, replaced
# whole, so a thread of a threaded server never sees one half of it.
_copy: tuple[object, ClinicProfile] | None = None


def _read() -> ClinicProfile:
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


def _stored_updated_at() -> object | None:
    """The row's `updated_at` as the database driver returns it (None: no row)."""
    meta = ClinicProfile._meta
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {q(meta.get_field('updated_at').column)} FROM {q(meta.db_table)} "
            f"WHERE {q(meta.pk.column)} = %s",
            [1],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def clinic_profile_get() -> ClinicProfile:
    """The clinic profile, as committed (or as this transaction changed it). Each caller gets
    its own instance, free to change and save. In a pinned view (booking/catalogue.py) the row
    is kept under the catalogue's stamp, read once for the whole request."""
    if catalogue.is_pinned():
        return copy.copy(catalogue.kept("profile", (), _read))
    global _copy
    stamp = _stored_updated_at()
    kept = _copy
    if stamp is None or kept is None or kept[0] != stamp:
        profile = _read()
        # Kept with the stamp read before it: if the row changed in between, the next call
        # sees a newer stamp and reads it again.
        kept = _copy = (stamp, profile) if stamp is not None else None
        return profile if kept is None else copy.copy(profile)
    return copy.copy(kept[1])
