"""One rule for ?lang on review links: carry it only when the linked page's default differs."""

import re

import pytest

from app.extensions import db
from app.models import Review
from app.reviews.http import lang_param, lang_query
from tests.reviews.helpers import published


@pytest.mark.parametrize(
    ("locale", "default", "param", "query"),
    [
        ("nl", "nl", None, ""),
        ("en", "en", None, ""),
        ("en", "nl", "en", "?lang=en"),
        ("nl", "en", "nl", "?lang=nl"),
    ],
)
def test_lang_param_and_query(locale, default, param, query):
    assert lang_param(locale, default) == param
    assert lang_query(locale, default) == query


def test_lang_query_is_a_template_global(app):
    assert app.jinja_env.globals["lang_query"] is lang_query
    with app.app_context():
        template = app.jinja_env.from_string("/about{{ lang_query(locale, default) }}")
        assert template.render(locale="en", default="nl") == "/about?lang=en"
        assert template.render(locale="nl", default="nl") == "/about"


def _in_english(review_id: int) -> None:
    """Make a review English (the test survey speaks Dutch only), whatever its brand says."""
    db.session.get(Review, review_id).locale = "en"
    db.session.commit()


def _detail_links(html: str, nl: bool) -> dict[str, str]:
    texts = (
        ("back", "Alle reviews van Testbad", "All reviews of Testbad"),
        ("about", "Over deze reviews", "About these reviews"),
        ("flag", "Meld deze review", "Report this review"),
    )
    found = {
        name: re.search(rf'<a href="([^"]+)"[^>]*>{dutch if nl else english}<', html)
        for name, dutch, english in texts
    }
    found["phase"] = re.search(rf'{"Fase" if nl else "Phase"}: <a href="([^"]+)"', html)
    return {name: match.group(1) for name, match in found.items()}


def test_review_page_links_keep_a_language_that_is_not_the_default(api, survey, brand, client):
    """A Dutch review of a Dutch brand: ?lang=en on every link in English, none in Dutch."""
    review = published(api, survey, brand)
    url = f"/reviews/testbad/r/{review.id}"
    dutch = client.get(url).get_data(as_text=True)
    assert '<html lang="nl">' in dutch
    assert _detail_links(dutch, nl=True) == {
        "back": "/reviews/testbad",
        "about": "/reviews/testbad/about",
        "flag": f"{url}/flag",
        "phase": "/reviews/testbad/levering",
    }
    english = client.get(url + "?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert _detail_links(english, nl=False) == {
        "back": "/reviews/testbad?lang=en",
        "about": "/reviews/testbad/about?lang=en",
        "flag": f"{url}/flag?lang=en",
        "phase": "/reviews/testbad/levering?lang=en",
    }


def test_review_page_links_follow_each_linked_pages_default(api, survey, brand, client):
    """An English review of a Dutch brand: its page and flag form default to English, the
    brand's list, phase and about pages to Dutch; each link says ?lang only where needed."""
    review = published(api, survey, brand)
    _in_english(review.id)
    url = f"/reviews/testbad/r/{review.id}"
    english = client.get(url).get_data(as_text=True)
    assert '<html lang="en">' in english
    assert _detail_links(english, nl=False) == {
        "back": "/reviews/testbad?lang=en",
        "about": "/reviews/testbad/about?lang=en",
        "flag": f"{url}/flag",
        "phase": "/reviews/testbad/levering?lang=en",
    }
    dutch = client.get(url + "?lang=nl").get_data(as_text=True)
    assert '<html lang="nl">' in dutch
    assert _detail_links(dutch, nl=True) == {
        "back": "/reviews/testbad",
        "about": "/reviews/testbad/about",
        "flag": f"{url}/flag?lang=nl",
        "phase": "/reviews/testbad/levering",
    }


def test_list_page_links_reviews_by_their_own_default(api, survey, brand, client):
    dutch_review = published(api, survey, brand)
    english_review = published(api, survey, brand, text="Great fitters, tidy work.")
    _in_english(english_review.id)
    for query, locale in (("", "nl"), ("?lang=en", "en")):
        html = client.get(f"/reviews/testbad{query}").get_data(as_text=True)
        assert f'<html lang="{locale}">' in html
        assert f'<a class="brand" href="/reviews/testbad{query}">' in html
        assert f'<p class="about-link"><a href="/reviews/testbad/about{query}">' in html
        assert f'<a href="/reviews/testbad/levering{query}">' in html  # the phase summary
        cards = re.findall(r'class="title"><a href="([^"]+)"', html)
        assert sorted(cards) == sorted(
            [
                f"/reviews/testbad/r/{dutch_review.id}{lang_query(locale, 'nl')}",
                f"/reviews/testbad/r/{english_review.id}{lang_query(locale, 'en')}",
            ]
        )
