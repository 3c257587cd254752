"""A stamp kept by the database: a one-row table whose value triggers renew, in the same
transaction, on every write to the tables it watches.

Why the database, and why triggers. What is kept from a stamp (a page in the shared page
cache, the consultation types a process keeps) must never outlive a change, however it was
made: the admin, a service, `QuerySet.update()`, a bulk delete, a data migration, raw SQL, a
restored backup. A counter bumped by our save paths misses the last four; a stamp made from
`max(updated_at)` needs that column (and an `update()` override) on every table, and still
misses raw SQL. A trigger on each watched table misses nothing: any committed write gives the
stamp a new random value in the same transaction, so a reader sees the new stamp exactly when
it can see the new rows (a rolled-back write leaves the old one). Read the stamp first, then
the rows: a write committed in between gives rows newer than the stamp, which the next reader,
seeing the new stamp, reads again; never rows older than it. The value is random rather than a
counter so that a database restored from a backup, or a test database made again, never meets
what was kept for another state under a number it has reused.

The table lives outside Django's models on purpose: `flush` (transactional tests) empties
every model table, and must not empty this one. A migration that rebuilds a watched table on
SQLite (Django remakes a table to alter a column, which drops its triggers) must call
`install()` again; tests/clinic/test_db_stamp.py fails until it does.

    STAMP = Stamp("my_stamp", watched=("app_model", ...))
    STAMP.install(schema_editor)   # in a migration (RunPython), and again after a rebuild
    STAMP.read()                   # the value, one query
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

_SQLITE_OPERATIONS = ("INSERT", "UPDATE", "DELETE")


@dataclass(frozen=True)
class Stamp:
    table: str
    watched: tuple[str, ...]

    @property
    def _function(self) -> str:
        return f"{self.table}_bump"

    def _sqlite_trigger(self, table: str, operation: str) -> str:
        return f"{self.table}_{table}_{operation.lower()}"

    def install(self, schema_editor) -> None:
        """Create the table (once) and the triggers (again, where a table lost them)."""
        execute = schema_editor.execute
        vendor = schema_editor.connection.vendor
        execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} (id integer PRIMARY KEY, stamp text NOT NULL)"
        )
        if vendor == "postgresql":
            execute(
                f"INSERT INTO {self.table} (id, stamp) VALUES (1, gen_random_uuid()::text) "
                "ON CONFLICT (id) DO NOTHING"
            )
            # Statement-level: a bulk update bumps the stamp once. TRUNCATE too (flush uses it).
            execute(
                f"CREATE OR REPLACE FUNCTION {self._function}() RETURNS trigger "
                f"LANGUAGE plpgsql AS $$ BEGIN UPDATE {self.table} "
                "SET stamp = gen_random_uuid()::text WHERE id = 1; RETURN NULL; END $$"
            )
            for table in self.watched:
                execute(f"DROP TRIGGER IF EXISTS {self.table} ON {table}")
                execute(
                    f"CREATE TRIGGER {self.table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                    f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {self._function}()"
                )
        elif vendor == "sqlite":
            execute(
                f"INSERT OR IGNORE INTO {self.table} (id, stamp) "
                "VALUES (1, lower(hex(randomblob(16))))"
            )
            for table in self.watched:
                for operation in _SQLITE_OPERATIONS:
                    name = self._sqlite_trigger(table, operation)
                    execute(f"DROP TRIGGER IF EXISTS {name}")
                    execute(
                        f"CREATE TRIGGER {name} AFTER {operation} ON {table} BEGIN "
                        f"UPDATE {self.table} SET stamp = lower(hex(randomblob(16))) "
                        "WHERE id = 1; END"
                    )
        else:  # pragma: no cover - the project runs on PostgreSQL or SQLite only
            raise NotImplementedError(vendor)

    def remove(self, schema_editor) -> None:
        execute = schema_editor.execute
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            for table in self.watched:
                execute(f"DROP TRIGGER IF EXISTS {self.table} ON {table}")
            execute(f"DROP FUNCTION IF EXISTS {self._function}()")
        elif vendor == "sqlite":
            for table in self.watched:
                for operation in _SQLITE_OPERATIONS:
                    execute(f"DROP TRIGGER IF EXISTS {self._sqlite_trigger(table, operation)}")
        execute(f"DROP TABLE IF EXISTS {self.table}")

    def installed_triggers(self) -> set[str]:
        """The watched tables that have their trigger(s), as the database says (for tests)."""
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "WHERE t.tgname = %s",
                    [self.table],
                )
                return {row[0] for row in cursor.fetchall()}
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
            names = {(table, name) for table, name in cursor.fetchall()}
        return {
            table
            for table in self.watched
            if all((table, self._sqlite_trigger(table, op)) in names for op in _SQLITE_OPERATIONS)
        }

    def read(self) -> str | None:
        """The value as committed (or as this transaction changed it); None without the row.
        One query."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT stamp FROM {self.table} WHERE id = 1")
            row = cursor.fetchone()
        return None if row is None else row[0]
