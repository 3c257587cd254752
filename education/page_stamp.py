"""The content stamp: one value the database changes whenever anything a cached public page
shows changes (clinic/pagecache.py keys its pages by it).

Why the database, and why triggers. The pages are cached in a store that every web process
and host shares (Redis in production), and must never be served stale after a change, however
it was made: the admin, a service, `QuerySet.update()`, a bulk delete, a data migration, raw
SQL, a restored backup. A counter bumped by our save paths misses the last four; a stamp made
from `max(updated_at)` needs that column (and an `update()` override) on every table, and
still misses raw SQL. A trigger on each table the pages read misses nothing: any committed
write to one of them gives `page_content_stamp` a new random value in the same transaction,
so a reader sees the new stamp exactly when it can see the new content (a rolled-back write
leaves the old one). The value is random rather than a counter so that a database restored
from a backup, or a test database made again, never meets pages cached for another state
under a number it has reused.

The table lives outside Django's models on purpose: `flush` (transactional tests) empties
every model table, and must not empty this one. It is created by education's migration 0007,
with triggers on booking's tables too: the pages show the clinic profile and the consultation
types, and booking, below education, cannot know about this. A migration that rebuilds one of
these tables on SQLite (Django remakes a table to alter a column, which drops its triggers)
must call `install()` again; tests/education/test_page_stamp.py fails until it does.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection

TABLE = "page_content_stamp"
# What the cached pages (home, /book/, the library's list, topics and articles, the privacy
# notice) read: the clinic profile (every page's header and footer), the consultation types
# (home, /book/, an article's call to book), the library's topics, articles, related articles
# and joint tags.
WATCHED_TABLES = (
    "booking_clinicprofile",
    "booking_consultationtype",
    "education_topic",
    "education_article",
    "education_article_related",
    "education_articlejoint",
)
_PG_FUNCTION = "page_content_stamp_bump"
_SQLITE_OPERATIONS = ("INSERT", "UPDATE", "DELETE")


def _sqlite_trigger(table: str, operation: str) -> str:
    return f"{TABLE}_{table}_{operation.lower()}"


def install(schema_editor) -> None:
    """Create the stamp's table (once) and its triggers (again, where a table lost them)."""
    execute = schema_editor.execute
    vendor = schema_editor.connection.vendor
    execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id integer PRIMARY KEY, stamp text NOT NULL)")
    if vendor == "postgresql":
        execute(
            f"INSERT INTO {TABLE} (id, stamp) VALUES (1, gen_random_uuid()::text) "
            "ON CONFLICT (id) DO NOTHING"
        )
        # Statement-level: a bulk update bumps the stamp once. TRUNCATE too (flush uses it).
        execute(
            f"CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN UPDATE {TABLE} SET stamp = gen_random_uuid()::text WHERE id = 1; "
            "RETURN NULL; END $$"
        )
        for table in WATCHED_TABLES:
            execute(f"DROP TRIGGER IF EXISTS {TABLE} ON {table}")
            execute(
                f"CREATE TRIGGER {TABLE} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION}()"
            )
    elif vendor == "sqlite":
        execute(f"INSERT OR IGNORE INTO {TABLE} (id, stamp) VALUES (1, lower(hex(randomblob(16))))")
        for table in WATCHED_TABLES:
            for operation in _SQLITE_OPERATIONS:
                name = _sqlite_trigger(table, operation)
                execute(f"DROP TRIGGER IF EXISTS {name}")
                execute(
                    f"CREATE TRIGGER {name} AFTER {operation} ON {table} BEGIN "
                    f"UPDATE {TABLE} SET stamp = lower(hex(randomblob(16))) WHERE id = 1; END"
                )
    else:  # pragma: no cover - the project runs on PostgreSQL or SQLite only
        raise NotImplementedError(vendor)


def remove(schema_editor) -> None:
    execute = schema_editor.execute
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in WATCHED_TABLES:
            execute(f"DROP TRIGGER IF EXISTS {TABLE} ON {table}")
        execute(f"DROP FUNCTION IF EXISTS {_PG_FUNCTION}()")
    elif vendor == "sqlite":
        for table in WATCHED_TABLES:
            for operation in _SQLITE_OPERATIONS:
                execute(f"DROP TRIGGER IF EXISTS {_sqlite_trigger(table, operation)}")
    execute(f"DROP TABLE IF EXISTS {TABLE}")


def installed_triggers() -> set[str]:
    """The watched tables that have their trigger(s), as the database says (for the tests)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = %s",
                [TABLE],
            )
            return {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        names = {(table, name) for table, name in cursor.fetchall()}
    return {
        table
        for table in WATCHED_TABLES
        if all((table, _sqlite_trigger(table, op)) in names for op in _SQLITE_OPERATIONS)
    }


def content_stamp(*, now: datetime) -> str | None:
    """The stamp as committed (or as this transaction changed it), with the earliest publish
    time still to come of a published article: when that time passes, the stamp changes
    without any write. None without the stamp's row. One query."""
    article = "education_article"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT stamp, (SELECT MIN(published_at) FROM {article} "
            f"WHERE status = %s AND published_at > %s) FROM {TABLE} WHERE id = 1",
            ["published", connection.ops.adapt_datetimefield_value(now)],
        )
        row = cursor.fetchone()
    return None if row is None else f"{row[0]}:{row[1] or ''}"
