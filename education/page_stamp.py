"""The content stamp: one value the database changes whenever anything a cached public page
shows changes (clinic/pagecache.py keys its pages by it). A `clinic.db_stamp.Stamp`, which says
why triggers.

It is created by education's migration 0007, with triggers on booking's tables too: the pages
show the clinic profile and the consultation types, and booking, below education, cannot know
about this. A migration that rebuilds one of these tables on SQLite must call `install()`
again; tests/clinic/test_db_stamp.py fails until it does.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from clinic.db_stamp import Stamp

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
STAMP = Stamp(TABLE, watched=WATCHED_TABLES)
install = STAMP.install
remove = STAMP.remove


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
