"""Review pages and the badge in a real browser (Debian's chromium through Playwright).

The badge is embedded by a shop page on a second origin with a strict CSP; it must render in
its shadow root with its labels visible, keep an XSS corpus inert, work by keyboard, and pass
axe. The review pages themselves must pass axe with no serious violation and no CSP error.
"""

import pytest

from app.extensions import db
from app.models import Brand
from tests.channels.helpers import ThreadedServer, axe_source, chromium
from tests.reviews.helpers import answer, published, set_policy

pytestmark = pytest.mark.browser

NONCE = "shopnonce42"
NAME = "<img/src=x/onerror=window.pwned=1>"


def shop(app_origin: str, layout: str, lang: str = "en", locale: str = 'data-locale="nl"') -> bytes:
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Shop</title>
<script nonce="{NONCE}">window.violations=[];document.addEventListener('securitypolicyviolation',
function(e){{window.violations.push(e.violatedDirective+' '+e.blockedURI)}});</script></head>
<body><main><h1>De Badkamerwinkel</h1><p>Our customers say:</p>
<div id="reviews" data-phasewise-reviews="testbad" data-layout="{layout}" {locale}></div>
</main><script src="{app_origin}/reviews.js" nonce="{NONCE}" async></script>
</body></html>""".encode()


def shop_app(app_origin: str, layout: str, **page):
    csp = (
        f"default-src 'none'; script-src 'nonce-{NONCE}' {app_origin}; "
        f"connect-src {app_origin}; style-src 'self'; img-src 'self'"
    )

    def wsgi(environ, start_response):
        start_response(
            "200 OK",
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Security-Policy", csp)],
        )
        return [shop(app_origin, layout, **page)]

    return wsgi


@pytest.fixture(scope="module")
def browser():
    """One chromium for the module, launched the way every browser test launches it."""
    with chromium() as browser:
        yield browser


def axe_violations(page, serious_only=True) -> list:
    page.evaluate(axe_source())
    result = page.evaluate("async () => await axe.run(document)")
    found = result["violations"]
    if serious_only:
        found = [v for v in found if v["impact"] in ("serious", "critical")]
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in found]


def test_badge_and_carousel_render_on_a_third_party_page(app, api, survey, brand, browser):
    set_policy(brand, "immediate")
    api.post("/api/v1/customers", json={"external_id": "k1"})
    answer(api, survey, nps=10, text="Mooie badkamer, netjes gewerkt.", customer="k1")
    answer(
        api,
        survey,
        nps=3,
        text="</script><script>window.pwned=2</script> Te laat.",
        review={"display_name": NAME},
    )
    with ThreadedServer(app) as phasewise:
        row = db.session.get(Brand, brand.id)
        row.allowed_origins = []
        db.session.commit()
        for layout in ("badge", "carousel"):
            with ThreadedServer(shop_app(phasewise.origin, layout)) as shop_server:
                row = db.session.get(Brand, brand.id)
                row.allowed_origins = [shop_server.origin]
                db.session.commit()
                page = browser.new_page()
                dialogs: list[str] = []

                def on_dialog(dialog, seen=dialogs):
                    seen.append(dialog.message)
                    dialog.dismiss()

                page.on("dialog", on_dialog)
                page.goto(shop_server.origin + "/")
                page.wait_for_selector("#reviews[data-phasewise-ready]", timeout=10_000)
                text = page.evaluate("document.getElementById('reviews').shadowRoot.textContent")
                assert "2 reviews" in text and "3,5 van 5" in text
                assert "geverifieerd" in text and "Over deze reviews" in text
                assert (
                    page.evaluate(
                        "document.getElementById('reviews').shadowRoot.querySelectorAll('img,script').length"
                    )
                    == 0
                )
                assert page.evaluate("window.pwned") is None and dialogs == []
                assert page.evaluate("window.violations") == []
                if layout == "carousel":
                    # newest first: the corpus review, with its name as plain text
                    assert NAME in text and "Te laat." in text and "Niet geverifieerd" in text
                    next_button = page.locator("#reviews").locator(
                        "button[aria-label='Volgende review']"
                    )
                    next_button.focus()
                    page.keyboard.press("Enter")
                    after = page.evaluate(
                        "document.getElementById('reviews').shadowRoot.textContent"
                    )
                    assert "Mooie badkamer" in after and "2 / 2" in after
                    if "Punten aangeboden" not in after:
                        assert "met punten aangeboden" in after
                assert axe_violations(page) == []
                page.close()


def test_the_carousel_keeps_a_reviews_line_breaks(app, api, survey, brand, browser):
    set_policy(brand, "immediate")
    answer(api, survey, nps=8, text="Netjes gewerkt.\n\nWel een dag later dan gepland.")
    with (
        ThreadedServer(app) as phasewise,
        ThreadedServer(shop_app(phasewise.origin, "carousel")) as shop_server,
    ):
        row = db.session.get(Brand, brand.id)
        row.allowed_origins = [shop_server.origin]
        db.session.commit()
        page = browser.new_page()
        page.goto(shop_server.origin + "/")
        page.wait_for_selector("#reviews[data-phasewise-ready]", timeout=10_000)
        body = page.locator("#reviews").get_by_text("Netjes gewerkt.")
        assert body.inner_text() == "Netjes gewerkt.\n\nWel een dag later dan gepland."
        page.close()


@pytest.mark.parametrize(
    ("lang", "locale", "words"),
    [
        ("en-GB", "", ("out of 5", "About these reviews")),  # the page's language
        ("en", 'data-locale="nl"', ("van 5", "Over deze reviews")),  # data-locale wins
        ("de", "", ("van 5", "Over deze reviews")),  # neither nl nor en: the brand's default
    ],
)
def test_the_badge_speaks_the_host_pages_language_without_data_locale(
    app, api, survey, brand, browser, lang, locale, words
):
    """Without data-locale the badge rendered in the brand's Dutch on an <html lang="en">
    page; it now follows data-locale, else <html lang> (nl/en), else the brand's default."""
    set_policy(brand, "immediate")
    answer(api, survey, nps=10, text="Mooie badkamer, netjes gewerkt.")
    with (
        ThreadedServer(app) as phasewise,
        ThreadedServer(shop_app(phasewise.origin, "badge", lang=lang, locale=locale)) as site,
    ):
        row = db.session.get(Brand, brand.id)
        row.allowed_origins = [site.origin]
        db.session.commit()
        page = browser.new_page()
        page.goto(site.origin + "/")
        page.wait_for_selector("#reviews[data-phasewise-ready]", timeout=10_000)
        text = page.evaluate("document.getElementById('reviews').shadowRoot.textContent")
        page.close()
    for word in words:
        assert word in text, (word, text)


def test_review_pages_pass_axe_without_csp_errors(app, api, survey, brand, browser):
    review = published(api, survey, brand, review={"title": "Netjes"})
    api.post(f"/api/v1/reviews/{review.id}/reply", json={"body": "Dank u wel!"})
    with ThreadedServer(app) as phasewise:
        page = browser.new_page(viewport={"width": 375, "height": 740})
        errors, failed = [], []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and not response.url.endswith("/favicon.ico")
                and failed.append(response.url)
            ),
        )
        for path in (
            "/reviews/testbad",
            f"/reviews/testbad/r/{review.id}",
            "/reviews/testbad/about?lang=en",
            f"/reviews/testbad/r/{review.id}/flag",
        ):
            page.goto(phasewise.origin + path)
            assert axe_violations(page) == [], path
            # mobile first: nothing wider than the viewport
            assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
        assert [e for e in errors if "Failed to load resource" not in e] == []  # CSP, scripts
        assert failed == []
        page.close()
