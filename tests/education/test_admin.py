from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from education.models import Article
from tests.factories import ArticleFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:education_article_changelist"


def _user_with(*codenames):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def editor_client(client):
    client.force_login(_user_with("view_article", "change_article", "add_article", "view_topic"))
    return client


@pytest.fixture
def publisher_client(client):
    client.force_login(
        _user_with("view_article", "change_article", "add_article", "view_topic", "publish_article")
    )
    return client


def _form_data(article: Article, **changes) -> dict:
    data = {
        "title": article.title,
        "slug": article.slug,
        "language": article.language,
        "translation_of": article.translation_of_id or "",
        "topic": article.topic_id,
        "summary": article.summary,
        "body": article.body,
        "image_alt": "",
        "author": article.author,
        "medical_reviewer": article.medical_reviewer,
        "last_reviewed_on": article.last_reviewed_on.isoformat()
        if article.last_reviewed_on
        else "",
        "status": article.status,
        "published_at_0": "",
        "published_at_1": "",
        "consultation_type": "",
        "joints": [],
    }
    data.update(changes)
    return data


def test_publish_action_needs_the_publish_permission(editor_client):
    article = ArticleFactory(draft=True, medical_reviewer="Dr. R, MD")

    response = editor_client.post(
        reverse(CHANGELIST), {"action": "publish", "_selected_action": [article.pk]}
    )

    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert response.status_code in (200, 302)
    page = editor_client.get(reverse(CHANGELIST)).content.decode()
    assert 'value="publish"' not in page


def test_publish_action_publishes_reviewed_and_skips_unreviewed(publisher_client):
    reviewed = ArticleFactory(draft=True)
    reviewed.medical_reviewer = "Dr. R, MD"
    reviewed.last_reviewed_on = timezone.localdate()
    reviewed.save()
    unreviewed = ArticleFactory(draft=True)

    response = publisher_client.post(
        reverse(CHANGELIST),
        {"action": "publish", "_selected_action": [reviewed.pk, unreviewed.pk]},
        follow=True,
    )

    reviewed.refresh_from_db()
    unreviewed.refresh_from_db()
    assert reviewed.is_live
    assert unreviewed.status == Article.Status.DRAFT
    assert "medical reviewer and review date are needed" in response.content.decode()


def test_publish_action_keeps_a_future_date_as_scheduled(publisher_client):
    later = timezone.now() + timedelta(days=3)
    article = ArticleFactory(status="draft", published_at=later)

    publisher_client.post(
        reverse(CHANGELIST), {"action": "publish", "_selected_action": [article.pk]}
    )

    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == later
    assert not article.is_live


def test_unpublish_action_hides_the_article(publisher_client, client):
    article = ArticleFactory()

    publisher_client.post(
        reverse(CHANGELIST), {"action": "unpublish", "_selected_action": [article.pk]}
    )

    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    client.logout()
    assert client.get(article.get_absolute_url()).status_code == 404


def test_editor_cannot_publish_through_the_status_field(editor_client):
    article = ArticleFactory(draft=True, medical_reviewer="Dr. R, MD")
    article.last_reviewed_on = timezone.localdate()
    article.save()
    url = reverse("admin:education_article_change", args=[article.pk])

    response = editor_client.post(url, _form_data(article, status="published", title="Edited"))

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Edited"
    assert article.status == Article.Status.DRAFT


def test_publisher_can_publish_through_the_status_field_and_date_defaults_to_now(
    publisher_client,
):
    article = ArticleFactory(draft=True)
    article.medical_reviewer = "Dr. R, MD"
    article.last_reviewed_on = timezone.localdate()
    article.save()
    url = reverse("admin:education_article_change", args=[article.pk])

    response = publisher_client.post(
        url, _form_data(article, status="published", joints=["knee", "hip"])
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_live
    assert sorted(article.joint_tags.values_list("joint", flat=True)) == ["hip", "knee"]


def test_publishing_without_review_in_the_form_shows_an_error_and_keeps_input(publisher_client):
    article = ArticleFactory(draft=True)
    url = reverse("admin:education_article_change", args=[article.pk])

    response = publisher_client.post(
        url, _form_data(article, status="published", body="My unsaved new paragraph.")
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "A medical reviewer must check an article before it is published." in body
    assert "My unsaved new paragraph." in body


def test_admin_refuses_reserved_slug(publisher_client):
    topic = TopicFactory()
    data = _form_data(ArticleFactory.build(topic=topic, draft=True), slug="search")
    data["topic"] = topic.pk

    response = publisher_client.post(reverse("admin:education_article_add"), data)

    assert response.status_code == 200
    assert "is used by the site itself" in response.content.decode()


def test_review_due_filter_finds_stale_and_unreviewed_articles(publisher_client, settings):
    settings.EDUCATION_REVIEW_MAX_AGE_DAYS = 365
    today = timezone.localdate()
    stale = ArticleFactory(title="Stale one", last_reviewed_on=today - timedelta(days=400))
    ArticleFactory(title="Fresh one", last_reviewed_on=today - timedelta(days=10))
    never = ArticleFactory(title="Never reviewed", draft=True)

    body = publisher_client.get(reverse(CHANGELIST), {"review": "due"}).content.decode()

    assert stale.title in body
    assert "Fresh one" not in body
    assert never.title in body


@pytest.mark.parametrize("count", [1, 15])
def test_changelist_runs_in_fixed_queries(publisher_client, django_assert_max_num_queries, count):
    ArticleFactory.create_batch(count)

    # 12 for the page itself, plus the staff session-expiry bookkeeping and the clinic profile.
    with django_assert_max_num_queries(15):
        response = publisher_client.get(reverse(CHANGELIST))

    assert response.status_code == 200


def test_change_form_shows_sanitised_preview(publisher_client):
    article = ArticleFactory(body="## Section\n\n<script>alert(1)</script>Safe text")

    body = publisher_client.get(
        reverse("admin:education_article_change", args=[article.pk])
    ).content.decode()

    assert "<h2>Section</h2>" in body
    assert "<script>alert(1)</script>" not in body
    assert "prepopulated" in body or "data-prepopulated" in body or "prepopulate" in body


def test_changelist_warns_about_articles_due_for_review(publisher_client):
    ArticleFactory(draft=True)

    body = publisher_client.get(reverse(CHANGELIST)).content.decode()

    assert "are due for medical re-review" in body
