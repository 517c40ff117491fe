"""The customer page in a real browser: axe finds no serious violation, keyboard works."""

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

import loyalty
from app.extensions import db
from tests.conftest import CHROMIUM
from tests.loyalty import helpers

pytestmark = pytest.mark.browser

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def server(app):
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=5)


def axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def test_the_loyalty_page_is_accessible_in_both_languages(server, brand, survey, chromium_dir):
    from playwright.sync_api import sync_playwright

    anna = helpers.customer(brand, "anna")
    helpers.award(helpers.response(brand, survey["id"], anna, text=helpers.HAPPY))
    loyalty.redeem(brand.id, anna.id, reward_key="koffie", points=5)
    db.session.commit()
    url = f"{server}/loyalty/{loyalty.customer_token(brand.id, anna.id)}"
    external = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.on(
                "request",
                lambda request: (
                    None if request.url.startswith(server) else external.append(request.url)
                ),
            )
            for lang, heading in (("nl", "Uw spaarpunten"), ("en", "Your points")):
                page.goto(f"{url}?lang={lang}")
                assert heading in page.locator("h1").inner_text()
                page.evaluate(axe_source())  # through DevTools: the page's CSP stays strict
                result = page.evaluate("async () => await axe.run()")
                serious = [
                    (v["id"], v["impact"])
                    for v in result["violations"]
                    if v["impact"] in ("serious", "critical")
                ]
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
            assert "Uw spaarpunten" in page.locator("h1").inner_text()
        finally:
            browser.close()
    assert external == []
