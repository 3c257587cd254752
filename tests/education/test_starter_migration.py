"""Migration 0003 on a database migrated before the checklist article and the revised wording."""

import hashlib
import importlib
from datetime import date

import pytest
from django.apps import apps
from django.utils import timezone

from education.demo import DEMO_REVIEWER
from education.models import Article
from education.starter import starter_articles
from tests.factories import ConsultationTypeFactory

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("education.migrations.0003_regenerative_regulation_content")
NEW_ARTICLE = "questions-before-regenerative-treatment"
STARTERS = {starter.slug: starter for starter in starter_articles()}
FIRST_TEXT = "Stem cells might become a muscle cell, a red blood cell or a cartilage cell.\n"


def migrate():
    MIGRATION.add_checklist_and_update_untouched_drafts(apps, None)


@pytest.fixture
def installed_before(fresh_install):
    """A database 0002 filled before the checklist article existed."""
    Article.objects.filter(slug=NEW_ARTICLE).delete()


def test_existing_database_gets_the_checklist_as_an_unreviewed_draft(installed_before):
    ConsultationTypeFactory(slug="regenerative-consultation")

    migrate()

    article = Article.objects.get(slug=NEW_ARTICLE)
    assert article.status == Article.Status.DRAFT
    assert article.medical_reviewer == ""
    assert article.last_reviewed_on is None
    assert article.topic.slug == "regenerative-medicine"
    assert article.consultation_type.slug == "regenerative-consultation"
    assert article.body == STARTERS[NEW_ARTICLE].body
    assert set(article.joint_tags.values_list("joint", flat=True)) == set(
        STARTERS[NEW_ARTICLE].joints
    )


def test_migration_brings_back_no_starter_an_editor_deleted_and_runs_twice_safely(
    installed_before,
):
    Article.objects.filter(slug="osteoarthritis").delete()

    migrate()
    first = list(Article.objects.order_by("pk").values("pk", "slug", "body", "updated_at"))
    migrate()

    assert not Article.objects.filter(slug="osteoarthritis").exists()
    assert Article.objects.filter(slug=NEW_ARTICLE).count() == 1
    assert list(Article.objects.order_by("pk").values("pk", "slug", "body", "updated_at")) == first


def review(article, *, reviewer, reviewed_on):
    article.medical_reviewer = reviewer
    article.last_reviewed_on = reviewed_on
    article.save()


def demo_published(article):
    review(article, reviewer=DEMO_REVIEWER, reviewed_on=date(2026, 1, 5))
    article.status = Article.Status.PUBLISHED
    article.published_at = timezone.now()
    article.save()


def edited(article):
    article.body = FIRST_TEXT + "An editor's own line.\n"
    article.save()


# Every state a starter can be in when 0003 runs, and whether its first text may be replaced.
STATES = {
    "unreviewed draft": (lambda article: None, True),
    "published under the demo's placeholder reviewer": (demo_published, True),
    "draft edited by an editor": (edited, False),
    "reviewed by a clinician": (
        lambda a: review(a, reviewer="Dr. Real Person, MD", reviewed_on=date(2026, 1, 5)),
        False,
    ),
    "reviewed on a date, reviewer name blank": (
        lambda a: review(a, reviewer="", reviewed_on=date(2026, 1, 5)),
        False,
    ),
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("slug", sorted(MIGRATION.FIRST_BODY_SHA256))
def test_only_untouched_unreviewed_first_text_takes_the_new_wording(
    installed_before, monkeypatch, slug, state
):
    # The real first texts are not kept in the tests; a stand-in plays the part of one.
    monkeypatch.setitem(
        MIGRATION.FIRST_BODY_SHA256, slug, hashlib.sha256(FIRST_TEXT.encode()).hexdigest()
    )
    article = Article.objects.get(slug=slug)
    article.body = FIRST_TEXT
    article.save()
    prepare, takes_new_text = STATES[state]
    prepare(article)
    before = Article.objects.get(pk=article.pk)

    migrate()

    article.refresh_from_db()
    assert article.body == (STARTERS[slug].body if takes_new_text else before.body)
    assert (article.status, article.medical_reviewer, article.last_reviewed_on) == (
        before.status,
        before.medical_reviewer,
        before.last_reviewed_on,
    )


def test_migration_knows_the_first_text_of_every_earlier_starter_and_the_demo_reviewer():
    assert set(MIGRATION.FIRST_BODY_SHA256) == set(STARTERS) - {NEW_ARTICLE}
    assert MIGRATION.DEMO_REVIEWER == DEMO_REVIEWER
    # Each was revised, so none of today's texts is mistaken for a first one.
    for slug, digest in MIGRATION.FIRST_BODY_SHA256.items():
        assert hashlib.sha256(STARTERS[slug].body.encode()).hexdigest() != digest
