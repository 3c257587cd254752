"""The content stamp (education/page_stamp.py) and the stored rendering of article bodies."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from booking.models import ClinicProfile, ConsultationType
from education import page_stamp
from education.markup import render_markdown
from education.models import Article, ArticleJoint, Topic
from tests.factories import ArticleFactory, ConsultationTypeFactory, PatientFactory

pytestmark = pytest.mark.django_db


def _stamp() -> str:
    return page_stamp.content_stamp(now=timezone.now())


def test_every_table_the_cached_pages_read_is_watched():
    tables = {
        model._meta.db_table
        for model in (ClinicProfile, ConsultationType, Topic, Article, ArticleJoint)
    }
    tables.add(Article.related.through._meta.db_table)

    assert set(page_stamp.WATCHED_TABLES) == tables


@pytest.mark.parametrize(
    "write",
    [
        lambda a: Article.objects.filter(pk=a.pk).update(summary="Changed"),
        lambda a: Topic.objects.filter(pk=a.topic_id).update(name="Changed"),
        lambda a: a.related.add(ArticleFactory()),
        lambda a: a.joint_tags.create(joint="knee"),
        lambda a: ClinicProfile.objects.filter(pk=1).update(name="Changed"),
        lambda a: ConsultationTypeFactory(),
        lambda a: Article.objects.filter(pk=a.pk).delete(),
    ],
    ids=["article", "topic", "related", "joint", "profile", "types", "delete"],
)
def test_any_write_to_a_watched_table_changes_the_stamp(write):
    article = ArticleFactory()
    before = _stamp()

    write(article)

    assert _stamp() != before


def test_a_write_elsewhere_or_a_read_leaves_the_stamp():
    ArticleFactory()
    before = _stamp()

    list(Article.objects.all())
    PatientFactory()

    assert _stamp() == before


def test_the_stamp_changes_when_a_scheduled_article_goes_live():
    now = timezone.now()
    ArticleFactory(published_at=now + timedelta(hours=1))

    assert page_stamp.content_stamp(now=now) == page_stamp.content_stamp(
        now=now + timedelta(minutes=59)
    )
    assert page_stamp.content_stamp(now=now) != page_stamp.content_stamp(
        now=now + timedelta(hours=2)
    )


# --- The stored rendering of the body ---------------------------------------------------------


def test_save_stores_the_rendered_body():
    article = ArticleFactory(body="## Heading\n\n<script>x()</script>Text")
    article.refresh_from_db()

    assert article.body_rendered == render_markdown(article.body)
    assert "<script>" not in article.body_rendered
    assert article.body_html == article.body_rendered


def test_a_save_of_the_body_field_alone_renders_it_again():
    article = ArticleFactory(body="Old words")
    article.body = "New words"
    article.save(update_fields=["body"])
    article.refresh_from_db()

    assert "New words" in article.body_rendered


def test_a_body_changed_behind_save_is_rendered_afresh_never_stale():
    article = ArticleFactory(body="Old words")
    Article.objects.filter(pk=article.pk).update(body="Words changed by update()")

    fresh = Article.objects.get(pk=article.pk)

    assert "Old words" in fresh.body_rendered
    assert "Words changed by update()" in fresh.body_html


def test_the_migration_renders_the_existing_articles():
    article = ArticleFactory(body="Some *words*")
    Article.objects.filter(pk=article.pk).update(body_rendered="", body_rendered_of="")
    migration = importlib.import_module("education.migrations.0006_article_body_rendered")

    migration.render_existing(apps, None)

    article.refresh_from_db()
    assert article.body_rendered == render_markdown("Some *words*")
    assert article.body_html == article.body_rendered
