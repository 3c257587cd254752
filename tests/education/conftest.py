import importlib

import pytest
from django.apps import apps

from booking.profile import clinic_profile_get
from education.models import Article, Topic


@pytest.fixture
def fresh_install(db):
    """The education tables as the data migrations leave them on a fresh install.

    Run here rather than trusted from the test database: a transactional test (the browser
    ones) empties every table, and --reuse-db keeps it that way for the next run.
    """
    Article.objects.all().delete()
    Topic.objects.all().delete()
    migrations = "education.migrations."
    starters = importlib.import_module(migrations + "0002_starter_articles")
    starters.load_starter_articles(apps, None)
    regulation = importlib.import_module(migrations + "0003_regenerative_regulation_content")
    regulation.add_checklist_and_update_untouched_drafts(apps, None)
    spanish = importlib.import_module(migrations + "0005_spanish_starter_articles")
    spanish.load_spanish_starter_articles(apps, None)


@pytest.fixture(autouse=True)
def _clinic_profile(db):
    """The clinic profile row exists, as the booking migration leaves it (see fresh_install on
    why a migration's rows may be gone); else pinned query counts would include creating it."""
    clinic_profile_get()
