from datetime import timedelta

import pytest
from django.utils import timezone

from education.selectors import articles_for_joints
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_articles_for_joints_returns_live_articles_tagged_with_any_joint_newest_first():
    now = timezone.now()
    old_knee = ArticleFactory(joints=["knee"], published_at=now - timedelta(days=9))
    new_hip = ArticleFactory(joints=["hip", "knee"], published_at=now - timedelta(days=1))
    ArticleFactory(joints=["shoulder"])
    ArticleFactory(joints=["knee"], draft=True)
    ArticleFactory(joints=["knee"], published_at=now + timedelta(days=1))

    assert articles_for_joints(["knee", "hip"]) == [new_hip, old_knee]


def test_articles_for_joints_respects_limit():
    ArticleFactory.create_batch(5, joints=["knee"])

    assert len(articles_for_joints(["knee"], limit=2)) == 2


@pytest.mark.parametrize("joints", [[], ["not-a-joint"], ["<script>"]])
def test_articles_for_joints_unknown_or_empty_returns_nothing(joints, django_assert_num_queries):
    ArticleFactory(joints=["knee"])

    with django_assert_num_queries(0):
        assert articles_for_joints(joints) == []


@pytest.mark.parametrize("count", [1, 10])
def test_articles_for_joints_runs_in_one_query(count, django_assert_max_num_queries):
    ArticleFactory.create_batch(count, joints=["knee", "hip", "shoulder"])

    with django_assert_max_num_queries(1):
        articles = articles_for_joints(["knee", "hip", "shoulder"], limit=10)
        topics = [article.topic.name for article in articles]

    assert len(topics) == count
