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


def test_redeeming_by_keyboard_shows_the_code_and_the_page_stays_accessible(server, brand):
    """The Redeem button (a plain form, no script) is reached with Tab, pressed with Enter,
    and the page that shows the code passes axe in both languages."""
    bea = helpers.customer(brand, "bea")
    loyalty.adjust(brand.id, bea.id, points=250, reason="welkom")
    loyalty.codes.add(brand.id, "voucher-5", ["SHOP-AAA", "SHOP-BBB"])
    db.session.commit()
    url = f"{server}/loyalty/{loyalty.customer_token(brand.id, bea.id)}"
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{url}?lang=en")
        assert page.locator("button", has_text="Redeem").count() == 1
        assert serious_violations(page) == []
        for _ in range(12):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.tagName") == "BUTTON":
                break
        assert page.evaluate("document.activeElement.textContent") == "Redeem"
        page.keyboard.press("Enter")
        page.wait_for_url("**redeemed=*")
        assert page.locator(".loyalty-code code").inner_text() == "SHOP-AAA"
        assert serious_violations(page) == []
        page.goto(f"{url}?lang=nl")
        assert page.locator("button", has_text="Inwisselen").count() == 1  # 150 points left
        assert serious_violations(page) == []
