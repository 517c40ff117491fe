"""Review pages for screen readers, low vision and both languages (accessibility audit findings
5, 6, 10 and 12)."""

import re
from html import unescape

import pytest

from tests.channels.helpers import ThreadedServer, chromium
from tests.reviews.helpers import published

CARD_RATING = re.compile(
    r'<article class="review">\s*<header>\s*<span class="rating">(.*?)</span>\s*<h3', re.S
)
REPLY = re.compile(r'<p dir="auto" lang="([^"]+)">([^<]*)</p>\s*</div>')


def card_ratings(html: str) -> list[str]:
    """What each review card shows for its rating: the glyphs, then the written rating."""
    return [unescape(re.sub(r"<[^>]+>", "", found)).strip() for found in CARD_RATING.findall(html)]


@pytest.fixture
def reviews(api, survey, brand):
    """A Dutch brand with an English review (nps 7: 4 stars) and a Dutch one (nps 9: 5 stars),
    each with a reply in its own language."""
    english = published(api, survey, brand, nps=7, locale="en", text="Tidy fitters, late van.")
    dutch = published(api, survey, brand, nps=9, text="Keurig op tijd en netjes gewerkt.")
    api.post(f"/api/v1/reviews/{english.id}/reply", json={"body": "Thank you for your review!"})
    api.post(f"/api/v1/reviews/{dutch.id}/reply", json={"body": "Dank u wel voor uw review!"})
    return english, dutch


@pytest.mark.parametrize("query", ["", "?lang=en"])
def test_a_reply_is_marked_with_the_language_of_the_review_it_answers(client, reviews, query):
    english, dutch = reviews
    html = client.get("/reviews/testbad" + query).text
    assert dict((body, lang) for lang, body in REPLY.findall(html)) == {
        "Thank you for your review!": "en",
        "Dank u wel voor uw review!": "nl",
    }
    for review, lang in ((english, "en"), (dutch, "nl")):
        detail = client.get(f"/reviews/testbad/r/{review.id}{query}").text
        assert [found for found, _ in REPLY.findall(detail)] == [lang]


def test_empty_stars_have_their_own_shape_and_cards_write_the_rating(client, reviews):
    dutch_page = client.get("/reviews/testbad").text
    assert sorted(card_ratings(dutch_page)) == ["★★★★★ 5 van 5", "★★★★☆ 4 van 5"]
    english_page = client.get("/reviews/testbad?lang=en").text
    assert sorted(card_ratings(english_page)) == ["★★★★★ 5 out of 5", "★★★★☆ 4 out of 5"]
    # Read once: the glyphs are hidden, the written rating is what a screen reader hears.
    assert 'role="img"' not in dutch_page
    assert dutch_page.count('<span class="stars" aria-hidden="true">') == 3  # overall + 2 cards


def test_the_overall_stars_leave_the_exact_average_to_the_text(client, reviews):
    html = client.get("/reviews/testbad").text
    overall = re.search(r'<p class="overall">(.*?)</p>', html, re.S).group(1)
    # 4.5 is drawn as 4 or 5 stars; only the written average may speak, and it is exact
    assert "Gemiddeld 4,5 van 5" in overall
    assert 'aria-hidden="true"' in overall and "aria-label" not in overall
    assert re.sub(r"<[^>]+>", "", overall).count("van 5") == 1


def test_the_detail_page_says_its_rating_once(client, reviews):
    english, _ = reviews
    html = client.get(f"/reviews/testbad/r/{english.id}").text
    article = html.split('<article class="review single">')[1].split("</article>")[0]
    text = re.sub(r"<[^>]+>", "", article)
    assert "★★★★☆" in text and text.count("4 out of 5") == 1  # in "Rated 4 out of 5 (…)"


@pytest.mark.parametrize(
    ("stored_in", "page", "shown", "not_shown"),
    [("nl", "?lang=en", "Customer", "Klant"), ("en", "?lang=nl", "Klant", "Customer")],
)
def test_the_default_name_is_in_the_page_language(
    api, survey, brand, client, stored_in, page, shown, not_shown
):
    review = published(
        api, survey, brand, locale=stored_in, text="Goed geholpen.", review={"display_name": " "}
    )
    assert review.display_name == not_shown  # stored in the review's own language
    named = published(api, survey, brand, text="Prima service.", review={"display_name": "Jo"})
    listing = client.get("/reviews/testbad" + page).text
    detail = client.get(f"/reviews/testbad/r/{review.id}{page}").text
    for html in (listing, detail):
        assert f"<bdi>{shown}</bdi>" in html and f'<bdi class="author">{shown}</bdi>' in html
        assert not_shown not in html.split("<body>")[1]
    assert f"{'Review of Testbad by' if shown == 'Customer' else 'Review van'} {shown}" in detail
    assert "<title>" in detail and not_shown not in detail.split("</title>")[0]
    assert '<bdi class="author">Jo</bdi>' in listing and named.display_name == "Jo"


@pytest.mark.browser
def test_stars_differ_by_shape_and_the_pages_fit_a_phone(app, client, reviews):
    english, _ = reviews
    with ThreadedServer(app) as server, chromium() as browser:
        page = browser.new_page(viewport={"width": 320, "height": 640})
        for path in (
            "/reviews/testbad",
            "/reviews/testbad?lang=en",
            f"/reviews/testbad/r/{english.id}",
        ):
            page.goto(server.origin + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
        page.goto(server.origin + "/reviews/testbad?lang=en")
        glyphs = page.evaluate(
            "[...document.querySelectorAll('article.review .stars span')]"
            ".map(s => [s.className, s.textContent])"
        )
        assert {glyph for kind, glyph in glyphs if kind == "off"} == {"☆"}
        assert {glyph for kind, glyph in glyphs if kind == "on"} == {"★"}
        # What assistive technology gets for a card's rating: the written text, once.
        snapshot = page.locator("article.review").first.aria_snapshot()
        assert "★" not in snapshot and "☆" not in snapshot
        assert re.search(r"\d out of 5", snapshot)


@pytest.mark.browser
def test_a_brand_name_title_and_name_of_one_long_word_wrap_on_a_phone(app, api, survey, brand):
    word = "Badkamerrenovatieoffertebesprekingsafspraakbevestigingsmail"
    assert api.patch("/api/v1/brand", json={"name": word + " B.V."}).status_code == 200
    review = published(
        api,
        survey,
        brand,
        text=word * 3,
        review={"title": word, "display_name": word[:50] + " Bakker"},
    )
    with ThreadedServer(app) as server, chromium() as browser:
        page = browser.new_page(viewport={"width": 320, "height": 640})
        for path in (
            "/reviews/testbad",
            f"/reviews/testbad/r/{review.id}",
            "/reviews/testbad/about",
        ):
            page.goto(server.origin + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
