"""Articles in English and Spanish: one version per language, each reviewed and published on its
own, linked for readers and search engines (issue 17)."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from education.models import Article
from education.templatetags.reading import reading_for_joints
from tests.factories import ArticleFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_starter_drafts(db):
    """The migrations' starter drafts use the slugs these tests give their articles."""
    Article.objects.all().delete()


@pytest.fixture
def pair():
    """A live English original and its live Spanish version, each with its own slug."""
    topic = TopicFactory(slug="causes", name="Causes", name_es="Causas")
    english = ArticleFactory(
        topic=topic,
        slug="osteoarthritis",
        title="Osteoarthritis explained",
        body="Cartilage wears down in the knee.",
    )
    spanish = ArticleFactory(
        topic=topic,
        slug="osteoartritis",
        language="es",
        translation_of=english,
        title="La osteoartritis explicada",
        body="El cartílago de la rodilla se desgasta.",
        medical_reviewer="Dra. Ana Ruiz, MD",
    )
    return english, spanish


def _alternates(html: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))


def test_spanish_article_page_has_hreflang_both_ways(client, pair):
    english, spanish = pair

    spanish_page = client.get("/es/learn/osteoartritis/")
    english_page = Client().get("/learn/osteoarthritis/")

    html = spanish_page.content.decode()
    assert spanish_page.status_code == 200
    assert '<html lang="es">' in html
    assert "La osteoartritis explicada" in html
    assert "Dra. Ana Ruiz, MD" in html
    expected = {
        "en": "http://testserver/learn/osteoarthritis/",
        "es": "http://testserver/es/learn/osteoartritis/",
        "x-default": "http://testserver/learn/osteoarthritis/",
    }
    assert _alternates(html) == expected
    assert _alternates(english_page.content.decode()) == expected
    canonical = f"{settings.SITE_URL.rstrip('/')}/es/learn/osteoartritis/"
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert '"inLanguage": "es-US"' in html


def test_language_switch_leads_to_the_other_versions_own_slug(client, pair):
    html = client.get("/learn/osteoarthritis/").content.decode()

    assert 'href="/es/learn/osteoartritis/"' in html
    assert 'href="/es/learn/osteoarthritis/"' not in html


def test_english_slug_under_the_spanish_prefix_redirects_to_the_spanish_version(client, pair):
    response = client.get("/es/learn/osteoarthritis/")

    assert response.status_code == 301
    assert response["Location"] == "/es/learn/osteoartritis/"


def test_draft_spanish_version_is_not_visible(client, pair):
    english, spanish = pair
    spanish.status = Article.Status.DRAFT
    spanish.save()

    assert client.get("/es/learn/osteoartritis/").status_code == 404
    # Nor reached through the English slug, nor announced by the English page.
    assert client.get("/es/learn/osteoarthritis/").status_code == 404
    english_html = client.get("/learn/osteoarthritis/").content.decode()
    assert _alternates(english_html) == {}
    assert "osteoartritis" not in english_html
    # The switch on the English-only article leads to the Spanish library instead.
    assert 'href="/es/learn/"' in english_html
    assert "La osteoartritis explicada" not in client.get("/es/learn/").content.decode()


def test_staff_preview_a_draft_spanish_version(client, pair, admin_user):
    _, spanish = pair
    spanish.status = Article.Status.DRAFT
    spanish.save()
    client.force_login(admin_user)

    response = client.get("/es/learn/osteoartritis/")

    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    assert _alternates(response.content.decode()) == {}


def test_spanish_list_shows_spanish_first_and_says_only_in_english(client, pair):
    topic = pair[0].topic
    ArticleFactory(topic=topic, slug="knee-injuries", title="Knee injuries")

    html = client.get("/es/learn/").content.decode()

    assert '<html lang="es">' in html
    assert "Causas" in html
    assert html.index("La osteoartritis explicada") < html.index("Knee injuries")
    # One version of each article: the Spanish one, not also the English original.
    assert "Osteoarthritis explained" not in html
    assert re.search(
        r'<div class="card-body" lang="en">\s*<h3 class="h5 card-title"><a class="stretched-link" '
        r'href="/learn/knee-injuries/" hreflang="en">Knee injuries</a>',
        html,
    )
    assert "Solo en inglés" in html
    assert html.count("Solo en inglés") == 1


def test_english_list_says_only_in_spanish(client, pair):
    ArticleFactory(
        topic=pair[0].topic, slug="solo-espanol", language="es", title="Artículo solo en español"
    )

    html = client.get("/learn/").content.decode()

    assert "Osteoarthritis explained" in html
    assert "La osteoartritis explicada" not in html
    assert 'href="/es/learn/solo-espanol/" hreflang="es"' in html
    assert html.count("Only in Spanish") == 1
    assert html.index("Osteoarthritis explained") < html.index("Artículo solo en español")


@pytest.mark.parametrize("count", [1, 8])
def test_spanish_list_runs_in_fixed_queries(client, django_assert_max_num_queries, count):
    topics = TopicFactory.create_batch(3)
    for i in range(count):
        original = ArticleFactory(topic=topics[i % 3])
        if i % 2:
            ArticleFactory(topic=topics[i % 3], language="es", translation_of=original)

    with django_assert_max_num_queries(3):
        response = client.get("/es/learn/")

    assert response.status_code == 200


def test_topic_page_in_spanish_uses_the_spanish_name_and_lists_spanish_first(client, pair):
    ArticleFactory(topic=pair[0].topic, slug="hips", title="Hip pain")

    html = client.get("/es/learn/topics/causes/").content.decode()

    assert '<h1 class="h2">Causas</h1>' in html
    assert html.index("La osteoartritis explicada") < html.index("Hip pain")
    assert "Osteoarthritis explained" not in html


def test_search_is_per_language(client, pair):
    spanish = client.get("/es/learn/search/", {"q": "rodilla"}).content.decode()
    english = client.get("/learn/search/", {"q": "rodilla"}).content.decode()

    assert "La osteoartritis explicada" in spanish
    assert "La osteoartritis explicada" not in english
    assert "Osteoarthritis explained" not in spanish


def test_feed_is_per_language(client, pair):
    spanish = client.get("/es/learn/feed/").content.decode()
    english = client.get("/learn/feed/").content.decode()

    assert 'xml:lang="es"' in spanish
    assert "La osteoartritis explicada" in spanish
    assert "Osteoarthritis explained" not in spanish
    assert "Osteoarthritis explained" in english
    assert "La osteoartritis explicada" not in english


def test_sitemap_lists_live_versions_with_alternates(client, pair):
    ArticleFactory(slug="draft-only", language="es", draft=True)

    xml = client.get("/sitemap.xml").content.decode()

    assert "draft-only" not in xml
    for loc in ("/learn/osteoarthritis/", "/es/learn/osteoartritis/"):
        block = re.search(rf"<url><loc>http://testserver{loc}</loc>.*?</url>", xml, re.S)
        assert block, loc
        assert (
            '<xhtml:link rel="alternate" hreflang="es" '
            'href="http://testserver/es/learn/osteoartritis/"/>' in block[0]
        )
        assert (
            '<xhtml:link rel="alternate" hreflang="en" '
            'href="http://testserver/learn/osteoarthritis/"/>' in block[0]
        )
        assert 'hreflang="x-default" href="http://testserver/learn/osteoarthritis/"' in block[0]
    assert "<loc>http://testserver/es/learn/topics/causes/</loc>" in xml
    assert "<loc>http://testserver/es/learn/</loc>" in xml


def test_sitemap_gives_no_alternates_to_an_article_in_one_language(client, pair):
    _, spanish = pair
    spanish.status = Article.Status.DRAFT
    spanish.save()

    xml = client.get("/sitemap.xml").content.decode()

    block = re.search(
        r"<url><loc>http://testserver/learn/osteoarthritis/</loc>.*?</url>", xml, re.S
    )
    assert "xhtml:link" not in block[0]
    assert "osteoartritis" not in xml


def test_reading_suggestions_prefer_the_readers_language(pair):
    english, spanish = pair
    english.joint_tags.create(joint="knee")
    spanish.joint_tags.create(joint="knee")

    from django.utils import translation

    with translation.override("es"):
        in_spanish = reading_for_joints(["knee"])
    with translation.override("en"):
        in_english = reading_for_joints(["knee"])

    assert in_spanish == [spanish]
    assert in_english == [english]


def test_slug_is_unique_per_language_only(pair):
    ArticleFactory(slug="osteoartritis")  # English, same slug as the Spanish version: allowed

    with pytest.raises(Exception):  # noqa: B017, PT011 -- the database's unique constraint
        ArticleFactory(slug="osteoartritis", language="es")


def test_a_translation_must_point_at_an_original_in_another_language(pair):
    english, spanish = pair
    chained = Article(
        language="en", translation_of=spanish, title="x", slug="x", topic=english.topic
    )
    same = Article(language="en", translation_of=english, title="y", slug="y", topic=english.topic)

    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as chain_error:
        chained.clean()
    with pytest.raises(ValidationError) as same_error:
        same.clean()

    assert "itself a version" in str(chain_error.value)
    assert "another language" in str(same_error.value)


def test_admin_shows_language_and_offers_to_add_a_spanish_version(admin_client):
    original = ArticleFactory(slug="tendons", title="Tendons")

    changelist = admin_client.get(reverse("admin:education_article_changelist")).content.decode()
    change = admin_client.get(
        reverse("admin:education_article_change", args=[original.pk])
    ).content.decode()

    assert "column-language" in changelist
    add_url = reverse("admin:education_article_add")
    assert f"{add_url}?translation_of={original.pk}&amp;language=es" in change
    add_page = admin_client.get(
        add_url, {"translation_of": original.pk, "language": "es", "topic": original.topic_id}
    ).content.decode()
    assert f'<option value="{original.pk}" selected>Tendons</option>' in add_page


def test_admin_publishes_each_language_on_its_own(admin_client, pair):
    english, spanish = pair
    Article.objects.filter(pk__in=[english.pk, spanish.pk]).update(status="draft")

    admin_client.post(
        reverse("admin:education_article_changelist"),
        {"action": "publish", "_selected_action": [spanish.pk]},
    )

    assert set(Article.objects.published().values_list("language", flat=True)) == {"es"}
