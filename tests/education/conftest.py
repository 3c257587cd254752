import importlib

import pytest
from django.apps import apps

from booking.scheduling.selectors import clinic_profile_get
from education.models import Article, Topic


@pytest.fixture
def fresh_install(db):
    """The education tables as the data migration leaves them on a fresh install.

    Run here rather than trusted from the test database: a transactional test (the browser
    ones) empties every table, and --reuse-db keeps it that way for the next run.
    """
    Article.objects.all().delete()
    Topic.objects.all().delete()
    migration = importlib.import_module("education.migrations.0002_starter_articles")
    migration.load_starter_articles(apps, None)


@pytest.fixture(autouse=True)
def _clinic_profile(db):
    """The clinic profile row exists, as the booking migration leaves it (see fresh_install on
    why a migration's rows may be gone); else pinned query counts would include creating it."""
    clinic_profile_get()
