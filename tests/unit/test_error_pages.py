"""Error pages on customers' routes speak the customer's language; marketers' stay English."""

import pytest


@pytest.mark.parametrize(
    ("headers", "query", "lang", "words", "foreign"),
    [
        ({}, "", "nl", ["<h1>Niet gevonden</h1>", "bestaat niet"], ["Not found", "Main"]),
        ({"Accept-Language": "en-GB,en;q=0.8"}, "", "en", ["<h1>Not found</h1>"], ["Niet"]),
        ({"Accept-Language": "en"}, "?lang=nl", "nl", ["bestaat niet"], ["does not exist"]),
        ({"Accept-Language": "de-DE"}, "", "nl", ["bestaat niet"], ["Not Found"]),
    ],
)
def test_a_customers_404_is_in_their_language(client, headers, query, lang, words, foreign):
    """It was English whatever the customer read ("404 — The requested URL was not found")."""
    for path in ("/s/not-a-token/qr.svg", "/reviews/no-such-brand", "/no/such/page"):
        page = client.get(path + query, headers={"Accept": "text/html", **headers})
        assert page.status_code == 404, path
        html = page.get_data(as_text=True)
        assert f'<html lang="{lang}">' in html, path
        for word in words:
            assert word in html, (path, word)
        for word in foreign:
            assert word not in html, (path, word)
        # A customer's page: no way into this instance's developer home page or API docs, and
        # no status code for a heading.
        assert 'href="/"' not in html and "/api/v1/docs" not in html and "<h1>404" not in html
        assert '<meta name="robots" content="noindex, nofollow">' in html


def test_a_customers_rate_limit_page_is_dutch_too(app):
    """A 429 said "2 per 1 minute"; the limiter's own checks are tested with its pages."""
    from werkzeug.exceptions import TooManyRequests

    from app.errors import render_error

    with app.test_request_context("/s/x", headers={"Accept": "text/html"}):
        html = render_error(TooManyRequests("2 per 1 minute")).get_data(as_text=True)
    assert '<html lang="nl">' in html and "Probeer het over een minuut opnieuw" in html
    assert "per 1 minute" not in html


def test_a_marketers_error_page_stays_english_and_precise(app):
    from werkzeug.exceptions import NotFound

    from app.errors import render_error

    with app.test_request_context("/dashboard/journeys/9", headers={"Accept": "text/html"}):
        html = render_error(NotFound("journey not found")).get_data(as_text=True)
    assert '<html lang="en">' in html and "journey not found" in html
