import pytest
from django.urls import reverse

from education.selectors import article_search
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_matches():
    """'cartilage' in the body of one, the summary of another, the title of the third."""
    body = ArticleFactory(title="Morning stiffness", body="Worn cartilage can make a joint stiff.")
    summary = ArticleFactory(title="Sore knees", summary="How cartilage wears in the knee.")
    title = ArticleFactory(title="Cartilage and your joints")
    ArticleFactory(title="Cartilage draft", draft=True)
    ArticleFactory(title="Nothing relevant", body="Tendons tie muscle to bone.")
    return title, summary, body


def test_search_ranks_title_then_summary_then_body(three_matches):
    assert article_search("cartilage") == list(three_matches)


@pytest.mark.postgres
def test_search_uses_full_text_stemming_on_postgres(three_matches):
    # "cartilages" only matches "cartilage" through the English stemmer.
    assert article_search("cartilages") == list(three_matches)


@pytest.mark.postgres
def test_spanish_search_uses_the_spanish_stemmer_and_spanish_articles_only():
    spanish = ArticleFactory(
        language="es", title="Dolor de rodilla", body="Las rodillas duelen al subir escaleras."
    )
    ArticleFactory(title="Rodilla in English", body="Knees hurt on stairs.")

    # "rodillas" only matches "rodilla" in the title through the Spanish stemmer.
    assert article_search("rodillas", language="es") == [spanish]
    assert spanish not in article_search("rodillas", language="en")


def test_search_page_shows_ranked_results(client, three_matches, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get(reverse("education:search"), {"q": "cartilage"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "3 articles found" in body
    positions = [body.index(article.title) for article in three_matches]
    assert positions == sorted(positions)
    assert "Cartilage draft" not in body
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_search_page_with_no_match_says_so(client, three_matches):
    response = client.get(reverse("education:search"), {"q": "zebra"})

    assert response.status_code == 200
    assert "0 articles found" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("knee\x00pain", "Null characters are not allowed."),
        ("knee " * 500, "Please use a shorter search"),
    ],
    ids=["nul-byte", "huge"],
)
def test_search_page_bad_input_gets_message_not_error(client, query, message):
    response = client.get(reverse("education:search"), {"q": query})

    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert 'aria-invalid="true"' in body


@pytest.mark.parametrize("query", ['"unclosed', "a & | ! b", "(((", "-", "   ", "*:*"])
def test_search_page_odd_syntax_never_fails(client, three_matches, query):
    assert client.get(reverse("education:search"), {"q": query}).status_code == 200
