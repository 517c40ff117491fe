"""The customer page in a real browser: axe finds no serious violation, keyboard works."""

import pytest

import loyalty
from app.extensions import db
from tests.channels.helpers import ThreadedServer, chromium, serious_violations
from tests.loyalty import helpers

pytestmark = pytest.mark.browser


@pytest.fixture
def server(app):
    with ThreadedServer(app) as running:
        yield running.origin


def test_the_loyalty_page_is_accessible_in_both_languages(server, brand, survey):
    anna = helpers.customer(brand, "anna")
    helpers.award(helpers.response(brand, survey["id"], anna, text=helpers.HAPPY))
    loyalty.redeem(brand.id, anna.id, reward_key="koffie", points=5)
    db.session.commit()
    url = f"{server}/loyalty/{loyalty.customer_token(brand.id, anna.id)}"
    external = []
    with chromium() as browser:
        page = browser.new_page()
        page.on(
            "request",
            lambda request: (
                None if request.url.startswith(server) else external.append(request.url)
            ),
        )
        for lang, heading in (("nl", "Je spaarpunten"), ("en", "Your points")):
            page.goto(f"{url}?lang={lang}")
            assert heading in page.locator("h1").inner_text()
            serious = serious_violations(page)
            assert serious == [], serious
        # Keyboard: tabbing reaches the language switch, and Enter follows it.
        page.goto(f"{url}?lang=en")
        for _ in range(6):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.hreflang") == "nl":
                break
        assert page.evaluate("document.activeElement.hreflang") == "nl"
        page.keyboard.press("Enter")
        page.wait_for_url("**lang=nl")
        assert "Je spaarpunten" in page.locator("h1").inner_text()
    assert external == []
