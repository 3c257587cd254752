import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from education.models import Article
from tests.factories import ArticleFactory, ConsultationTypeFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _staff_with_view_permission():
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_article"))
    return user


def _json_ld(html: str) -> dict:
    start = html.index('<script type="application/ld+json"')
    payload = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(payload)


def test_article_detail_published_is_public(client):
    article = ArticleFactory()

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    body = response.content.decode()
    assert "Last medically reviewed on" in body
    assert article.medical_reviewer in body
    assert "not medical advice" in body  # the disclaimer


@pytest.mark.parametrize(
    "state",
    [
        {"draft": True},
        {"published_at": timezone.now() + timedelta(days=2)},
    ],
    ids=["draft", "scheduled"],
)
def test_article_detail_unpublished_is_404_for_public(client, state):
    article = ArticleFactory(**state)

    assert client.get(article.get_absolute_url()).status_code == 404


def test_article_detail_unpublished_is_404_for_staff_without_view_permission(client):
    article = ArticleFactory(draft=True)
    client.force_login(UserFactory(is_staff=True))

    assert client.get(article.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    "state",
    [{"draft": True}, {"published_at": timezone.now() + timedelta(days=2)}],
    ids=["draft", "scheduled"],
)
def test_article_detail_unpublished_is_previewable_by_staff(client, state):
    article = ArticleFactory(**state)
    client.force_login(_staff_with_view_permission())

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert "Preview." in response.content.decode()
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert "no-store" in response.headers["Cache-Control"]


def test_scheduled_article_goes_live_when_its_time_comes(client):
    article = ArticleFactory(published_at=timezone.now() + timedelta(days=2))
    assert client.get(article.get_absolute_url()).status_code == 404

    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() - timedelta(seconds=1))

    assert client.get(article.get_absolute_url()).status_code == 200


def test_article_list_shows_newest_per_topic_and_links_to_the_rest(client):
    topic = TopicFactory(name="Knees")
    ArticleFactory.create_batch(8, topic=topic)
    ArticleFactory(topic=topic, draft=True)

    body = client.get(reverse("education:article_list")).content.decode()

    assert body.count('class="card h-100 education-card"') == 6
    assert f'href="{topic.get_absolute_url()}">See all 8 articles about knees' in body


def test_article_list_hides_drafts_and_future_articles(client):
    live = ArticleFactory(title="Live article about knees")
    ArticleFactory(title="Draft article about hips", draft=True)
    ArticleFactory(title="Future article", published_at=timezone.now() + timedelta(hours=1))

    body = client.get(reverse("education:article_list")).content.decode()

    assert live.title in body
    assert live.topic.name in body
    assert "Draft article about hips" not in body
    assert "Future article" not in body


@pytest.mark.parametrize("count", [1, 12])
def test_article_list_runs_in_fixed_queries(client, django_assert_max_num_queries, count):
    topics = TopicFactory.create_batch(3)
    for i in range(count):
        ArticleFactory(topic=topics[i % 3])

    # The page cache's content stamp included (a miss: nothing cached yet).
    with django_assert_max_num_queries(3):
        response = client.get(reverse("education:article_list"))

    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 12])
def test_topic_detail_runs_in_fixed_queries(client, django_assert_max_num_queries, count):
    topic = TopicFactory()
    ArticleFactory.create_batch(count, topic=topic)

    # The page cache's content stamp included (a miss: nothing cached yet).
    with django_assert_max_num_queries(4):
        response = client.get(topic.get_absolute_url())

    assert response.status_code == 200
    assert response.content.decode().count('class="card h-100 education-card"') == count


def test_topic_detail_unknown_is_404(client):
    assert client.get(reverse("education:topic_detail", args=["nope"])).status_code == 404


@pytest.mark.parametrize("count", [1, 10])
def test_article_detail_runs_in_fixed_queries(client, django_assert_max_num_queries, count):
    others = ArticleFactory.create_batch(count)
    article = ArticleFactory(related=others, consultation_type=ConsultationTypeFactory())

    # The article, its related ones, the clinic, and its versions in other languages (hreflang),
    # after the page cache's content stamp (a miss: nothing cached yet).
    with django_assert_max_num_queries(6):
        response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    for other in others:
        assert other.title in response.content.decode()


def test_article_detail_hides_unpublished_related_articles(client):
    draft = ArticleFactory(title="Hidden draft neighbour", draft=True)
    article = ArticleFactory(related=[draft])

    assert "Hidden draft neighbour" not in client.get(article.get_absolute_url()).content.decode()


def test_article_detail_calls_to_book_the_linked_consultation(client):
    ctype = ConsultationTypeFactory(slug="regenerative-consultation")
    article = ArticleFactory(consultation_type=ctype)

    body = client.get(article.get_absolute_url()).content.decode()

    assert reverse("booking:choose_time", args=["regenerative-consultation"]) in body


def test_article_detail_without_active_consultation_calls_to_general_booking(client):
    article = ArticleFactory(consultation_type=ConsultationTypeFactory(active=False))

    body = client.get(article.get_absolute_url()).content.decode()

    assert f'href="{reverse("booking:start")}"' in body


def test_article_detail_head_has_seo_tags_and_valid_json_ld(client, settings):
    settings.SITE_URL = "https://clinic.example"
    article = ArticleFactory(title="Knee pain <explained> & more", summary="Why knees hurt.")

    body = client.get(article.get_absolute_url()).content.decode()

    head = body.split("</head>")[0]
    canonical = f"https://clinic.example{article.get_absolute_url()}"
    assert f'<link rel="canonical" href="{canonical}">' in head
    assert '<meta property="og:title" content="Knee pain &lt;explained&gt; &amp; more">' in head
    assert '<meta name="description" content="Why knees hurt.">' in head
    assert "<title>Knee pain &lt;explained&gt; &amp; more |" in head
    data = _json_ld(head)
    assert data["@type"] == "MedicalWebPage"
    assert data["url"] == canonical
    assert data["name"] == "Knee pain <explained> & more"
    assert data["lastReviewed"] == article.last_reviewed_on.isoformat()
    assert data["reviewedBy"] == {"@type": "Person", "name": article.medical_reviewer}


def test_json_ld_cannot_close_its_script_element(client):
    article = ArticleFactory(title="</script><script>alert(1)</script>")

    head = client.get(article.get_absolute_url()).content.decode().split("</head>")[0]

    assert "<script>alert(1)" not in head
    assert _json_ld(head)["name"] == "</script><script>alert(1)</script>"


def test_feed_is_valid_atom_with_only_live_articles(client):
    live = ArticleFactory(title="Feed article")
    ArticleFactory(title="Draft feed article", draft=True)

    response = client.get(reverse("education:feed"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    titles = [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]
    assert titles == ["Feed article"]
    link = root.find(f"{ATOM}entry/{ATOM}link").get("href")
    assert link.endswith(live.get_absolute_url())


def test_sitemap_lists_live_articles_topics_and_booking_pages(client):
    live = ArticleFactory()
    draft = ArticleFactory(draft=True)
    ctype = ConsultationTypeFactory()

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    root = ET.fromstring(response.content)
    locations = {url.findtext(f"{SITEMAP}loc") for url in root.iter(f"{SITEMAP}url")}
    paths = {loc.removeprefix("http://testserver") for loc in locations}
    assert live.get_absolute_url() in paths
    assert live.topic.get_absolute_url() in paths
    assert reverse("education:article_list") in paths
    assert reverse("booking:start") in paths
    assert reverse("booking:choose_time", args=[ctype.slug]) in paths
    assert draft.get_absolute_url() not in paths
    assert draft.topic.get_absolute_url() not in paths


@pytest.mark.parametrize("slug", ["feed", "search", "topics", "Search"])
def test_article_slug_colliding_with_app_paths_is_refused(slug):
    article = ArticleFactory.build(slug=slug, topic=TopicFactory())

    with pytest.raises(ValidationError) as excinfo:
        article.full_clean()

    assert "slug" in excinfo.value.message_dict


def test_article_image_without_alt_text_is_refused():
    article = ArticleFactory.build(topic=TopicFactory(), image="education/knee.png", image_alt="")

    with pytest.raises(ValidationError) as excinfo:
        article.full_clean()

    assert "image_alt" in excinfo.value.message_dict


def test_article_published_without_medical_review_is_refused():
    article = ArticleFactory.build(topic=TopicFactory(), medical_reviewer="", last_reviewed_on=None)

    with pytest.raises(ValidationError) as excinfo:
        article.full_clean()

    assert {"medical_reviewer", "last_reviewed_on"} <= set(excinfo.value.message_dict)


@pytest.mark.parametrize("count", [1, 12])
def test_feed_and_sitemap_run_in_fixed_queries(client, django_assert_max_num_queries, count):
    ArticleFactory.create_batch(count)

    # Each with the page cache's content stamp (a miss: nothing cached yet).
    with django_assert_max_num_queries(3):
        assert client.get(reverse("education:feed")).status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get("/sitemap.xml").status_code == 200


@pytest.mark.parametrize(
    "name",
    ["Initial pain-management consultation", "Ultrasound review", "Follow-up", "Hour-long visit"],
)
def test_booking_call_reads_right_whatever_the_type_name_starts_with(client, name):
    """No "a"/"an" is built in front of a name: "Book a initial ..." was the defect."""
    article = ArticleFactory(consultation_type=ConsultationTypeFactory(name=name))

    body = client.get(article.get_absolute_url()).content.decode()

    assert f"Book your {name.lower()}" in body
    assert f"Book a {name.lower()}" not in body
    assert f"Book an {name.lower()}" not in body
