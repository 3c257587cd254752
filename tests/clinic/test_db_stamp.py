"""The database stamps (clinic/db_stamp.py): the page cache's and the booking catalogue's."""

import pytest

from booking.catalogue import STAMP as CATALOGUE_STAMP
from education.page_stamp import STAMP as PAGE_STAMP

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("stamp", [PAGE_STAMP, CATALOGUE_STAMP], ids=lambda s: s.table)
def test_every_watched_table_has_its_trigger(stamp):
    """A migration that rebuilds a watched table on SQLite (Django remakes a table to alter a
    column) drops its triggers: such a migration must call the stamp's install() again."""
    assert stamp.installed_triggers() == set(stamp.watched)


@pytest.mark.parametrize("stamp", [PAGE_STAMP, CATALOGUE_STAMP], ids=lambda s: s.table)
def test_each_stamp_has_its_row(stamp):
    assert stamp.read()
