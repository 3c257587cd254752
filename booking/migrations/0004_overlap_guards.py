"""The database's last word on double booking, whatever code path writes the row.

PostgreSQL: an exclusion constraint (btree_gist) over the occupied time, half-open `[)` so a
visit may start the instant the previous one's buffer ends. SQLite has no exclusion
constraints: triggers refuse an overlapping row, and IMMEDIATE transactions serialise writers
so the trigger's check cannot race. Cancelled rows never block.

Written as RunPython with a vendor check because each database needs its own DDL and the
other must be left untouched.
"""

from django.db import migrations

CONSTRAINT = "appointment_no_overlap"
INSERT_TRIGGER = "appointment_no_overlap_insert"
UPDATE_TRIGGER = "appointment_no_overlap_update"

# Django stores SQLite datetimes as UTC text ("YYYY-MM-DD HH:MM:SS[.ffffff]"), which sorts as
# the instants do, so plain comparisons are exact and can use the (practitioner, start) index.
SQLITE_OVERLAP = """
    SELECT RAISE(ABORT, 'appointment overlaps another appointment of this practitioner')
    WHERE NEW.status <> 'cancelled' AND EXISTS (
        SELECT 1 FROM booking_appointment AS other
        WHERE other.practitioner_id = NEW.practitioner_id
          AND other.status <> 'cancelled'
          AND other.occupied_start < NEW.occupied_end
          AND other.occupied_end > NEW.occupied_start
          {exclude_self}
    );
"""


def add_guards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        schema_editor.execute(
            f"ALTER TABLE booking_appointment ADD CONSTRAINT {CONSTRAINT} "
            "EXCLUDE USING gist (practitioner_id WITH =, "
            "tstzrange(occupied_start, occupied_end, '[)') WITH &&) "
            "WHERE (status <> 'cancelled')"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {INSERT_TRIGGER} BEFORE INSERT ON booking_appointment "
            f"BEGIN {SQLITE_OVERLAP.format(exclude_self='')} END"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {UPDATE_TRIGGER} BEFORE UPDATE OF "
            "practitioner_id, occupied_start, occupied_end, status ON booking_appointment "
            f"BEGIN {SQLITE_OVERLAP.format(exclude_self='AND other.id <> NEW.id')} END"
        )


def remove_guards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # The extension stays: other objects may have come to depend on it.
        schema_editor.execute(
            f"ALTER TABLE booking_appointment DROP CONSTRAINT IF EXISTS {CONSTRAINT}"
        )
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {INSERT_TRIGGER}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {UPDATE_TRIGGER}")


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0003_intake_joints_help"),
    ]

    operations = [
        migrations.RunPython(add_guards, remove_guards, elidable=False),
    ]
