"""The widget in a real browser, embedded by a third-party page on a second origin.

The shop page has a strict CSP (no 'unsafe-inline') and hostile CSS (`* { all: unset }`,
`button { display: none }`); the widget must still render, be answerable by keyboard and
mouse, leave the page's layout alone, pass axe, and its answers must reach the pipeline.
"""

import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from app.models import Response, Review
from tests.channels.helpers import ThreadedServer, free_port

pytestmark = pytest.mark.browser

NONCE = "shopnonce123"
HOSTILE_CSS = """
* { all: unset; }
button { display: none; }
html, body, div, p, h1, main, section { display: block; }
h1 { font-size: 40px; margin: 10px; }
p { margin: 8px; font: 16px/1.5 serif; }
#box { width: 300px; height: 120px; border: 2px solid black; }
"""


def shop_page(app_origin: str, site_key: str, with_widget: bool) -> str:
    widget = (
        f'<script src="{app_origin}/widget.js" data-site-key="{site_key}" data-phase="levering"'
        f' data-locale="en" nonce="{NONCE}" async></script>'
        if with_widget
        else ""
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<style nonce="{NONCE}">{HOSTILE_CSS}</style>
<script nonce="{NONCE}">
  window.violations = [];
  document.addEventListener('securitypolicyviolation', function (e) {{
    window.violations.push(e.violatedDirective + ' ' + e.blockedURI);
  }});
</script>
</head><body>
<main id="content"><h1>De Badkamerwinkel</h1>
<p id="intro">Welcome to our shop. Everything here is laid out by the shop's own CSS.</p>
<div id="box">A box</div><button id="buy">Buy</button><p id="outro">The end.</p></main>
{widget}
</body></html>"""


@pytest.fixture
def setup(app, db):
    """The Phasewise app on one port, the shop on another, and a brand allowing the shop."""
    from app.services import brands, journeys, surveys

    with ThreadedServer(app) as phasewise:
        shop_port = free_port()
        shop_origin = f"http://127.0.0.1:{shop_port}"
        brand, _ = brands.create_brand("Badkamerwinkel", "badkamerwinkel", "nl", [shop_origin])
        journey = journeys.create_journey(
            brand, {"name": "Reis", "phases": [{"key": "levering", "name": "Levering"}]}
        )
        surveys.create_survey(
            brand,
            {
                "journey_id": journey.id,
                "phase": "levering",
                "locale": "nl",
                "questions": [
                    {
                        "key": "nps",
                        "type": "nps",
                        "required": True,
                        "text": {"nl": "Zou u ons aanraden?", "en": "Would you recommend us?"},
                    },
                    {"key": "why", "type": "text", "text": {"nl": "Waarom?", "en": "Why?"}},
                ],
            },
        )

        site_key = brand.site_key  # the shop thread has no app context

        def shop(environ, start_response):
            with_widget = "nowidget" not in environ.get("QUERY_STRING", "")
            body = shop_page(phasewise.origin, site_key, with_widget).encode()
            csp = (
                "default-src 'none'; "
                f"script-src 'nonce-{NONCE}' {phasewise.origin}/widget.js; "
                f"style-src 'nonce-{NONCE}'; connect-src {phasewise.origin}; "
                "img-src 'none'; base-uri 'none'; form-action 'none'"
            )
            start_response(
                "200 OK",
                [("Content-Type", "text/html; charset=utf-8"), ("Content-Security-Policy", csp)],
            )
            return [body]

        server = make_server("127.0.0.1", shop_port, shop, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield {"shop": shop_origin, "phasewise": phasewise.origin, "brand": brand}
        finally:
            server.shutdown()
            server.server_close()
            thread.join(5)


LAYOUT = """() => {
  const boxes = {};
  const all = document.querySelectorAll('body, body *:not(phasewise-widget):not(script)');
  all.forEach((el, i) => {
    const r = el.getBoundingClientRect();
    boxes[i + ' ' + (el.id || el.tagName)] = [r.x, r.y, r.width, r.height];
  });
  const root = document.documentElement;
  return {boxes, scroll: [root.scrollWidth, root.scrollHeight]};
}"""

FOCUSED = """() => {
  const host = document.querySelector('phasewise-widget');
  const active = host && host.shadowRoot.activeElement;
  return active ? active.textContent : null;
}"""


def _widget(page):
    page.wait_for_selector("phasewise-widget", state="attached", timeout=10_000)
    return page.locator("phasewise-widget")


def _tab_to(page, label: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED) == label:
            return
    raise AssertionError(f"keyboard focus never reached {label!r}")


def _stored(db, count: int) -> list[Response]:
    import time

    for _ in range(50):
        db.session.expire_all()
        rows = db.session.query(Response).order_by(Response.id).all()
        if len(rows) >= count and all(row.status == "processed" for row in rows):
            return rows
        time.sleep(0.1)
    raise AssertionError(f"expected {count} processed responses, found {rows}")


def test_widget_on_a_hostile_third_party_page(setup, browser, db):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(setup["shop"] + "/?nowidget=1")
    before = page.evaluate(LAYOUT)

    page.goto(setup["shop"] + "/")
    widget = _widget(page)
    widget.get_by_role("button", name="9", exact=True).wait_for()
    assert page.evaluate(LAYOUT) == before  # the shop's layout is untouched
    # the widget's own styles win inside its shadow root: a visible, fixed panel
    position = page.evaluate(
        "() => getComputedStyle(document.querySelector('phasewise-widget')).position"
    )
    assert position == "fixed"
    # its own language, for screen readers (it took the host page's, whatever it said)
    assert page.evaluate("() => document.querySelector('phasewise-widget').lang") == "en"
    font = page.evaluate(
        "() => getComputedStyle(document.querySelector('phasewise-widget')).fontFamily"
    )
    assert "system-ui" in font  # the page's `* { all: unset }` did not reach the widget
    box = widget.get_by_role("dialog").bounding_box()
    assert box["width"] > 300 and box["height"] > 80
    assert widget.get_by_role("button", name="9", exact=True).is_visible()

    # --- axe-core on the widget, inside the hostile page ---
    import axe_playwright_python

    axe = Path(axe_playwright_python.__file__).with_name("axe.min.js").read_text()
    page.evaluate(axe)  # the page's CSP does not apply to evaluate()
    result = page.evaluate(
        "() => axe.run({include: [['phasewise-widget']]}, {resultTypes: ['violations']})"
    )
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    checked = {rule["id"] for rule in result["passes"]}
    assert "button-name" in checked  # axe really looked inside the shadow root

    # --- answer by keyboard only ---
    _tab_to(page, "9")
    page.keyboard.press("Enter")
    widget.get_by_role("textbox", name="Why?").wait_for()
    page.keyboard.press("Tab")
    page.keyboard.type("Fitted neatly, on time.")
    _tab_to(page, "Next", limit=5)
    page.keyboard.press("Enter")
    widget.get_by_role("button", name="No, thanks").wait_for()  # the same consent step for all
    _tab_to(page, "No, thanks", limit=6)
    page.keyboard.press("Enter")
    widget.get_by_text("Thank you for your answer!").wait_for()

    [answer] = _stored(db, 1)
    assert answer.channel == "widget"
    assert answer.answers == {"nps": 9, "why": "Fitted neatly, on time."}
    assert answer.locale == "en"
    assert answer.nps_category == "promoter"
    assert answer.review_request is None

    page.keyboard.press("Escape")
    assert page.locator("phasewise-widget").count() == 0
    assert page.evaluate(LAYOUT) == before

    # the anonymous cooldown keeps the widget away on the next page view
    page.reload()
    page.wait_for_timeout(1000)
    assert page.locator("phasewise-widget").count() == 0

    assert page.evaluate("window.violations") == []
    assert errors == []
    context.close()


def test_widget_answered_by_mouse_with_review_consent(setup, browser, db, app, monkeypatch):
    # A person needs longer than a scripted click-through for any threshold; this one is sure
    # to catch it, so the test shows the widget's elapsed_ms reaching the fraud signal.
    monkeypatch.setitem(app.config, "REVIEW_FRAUD_MIN_ELAPSED_MS", 120_000)
    setup["brand"].privacy_url = "https://shop.example/privacy"
    db.session.commit()
    context = browser.new_context(viewport={"width": 390, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(setup["shop"] + "/")
    widget = _widget(page)
    privacy = widget.get_by_role("link", name="Privacy statement")
    assert privacy.get_attribute("href") == "https://shop.example/privacy"
    assert privacy.get_attribute("target") == "_blank"  # the answers so far stay put
    widget.get_by_role("button", name="4", exact=True).click()
    widget.get_by_role("textbox", name="Why?").fill("The fitter came a week late.")
    widget.get_by_role("button", name="Next").click()
    name = widget.get_by_label("Name shown with your review")
    # what the review pages make of the name is said before it is given
    described = name.get_attribute("aria-describedby")
    assert widget.locator(f"#{described}").inner_text().startswith("We show your first name")
    assert widget.get_by_role("link", name="Privacy statement").count() == 1
    name.fill("Jan <b>de</b> Vries")
    widget.get_by_role("button", name="Yes, publish as a review").click()
    widget.get_by_text("Thank you for your answer!").wait_for()

    [answer] = _stored(db, 1)
    assert answer.answers["nps"] == 4
    elapsed = answer.review_request.pop("elapsed_ms")
    assert answer.review_request == {"consent": True, "display_name": "Jan <b>de</b> Vries"}
    assert isinstance(elapsed, int) and 0 < elapsed < 120_000
    review = db.session.scalar(select(Review).where(Review.response_id == answer.id))
    assert review.elapsed_ms == elapsed
    assert review.status == "pending"
    assert "very_fast" in [signal["signal"] for signal in review.fraud_signals]
    assert page.evaluate("window.violations") == []
    context.close()


def test_widget_respects_reduced_motion_and_theme_variables(setup, browser, db):
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    page.goto(setup["shop"] + "/")
    widget = _widget(page)
    widget.get_by_role("button", name="9", exact=True).wait_for()
    animation = page.evaluate(
        "() => getComputedStyle(document.querySelector('phasewise-widget')"
        ".shadowRoot.querySelector('.p')).animationName"
    )
    assert animation == "none"
    # a brand themes the widget from its own CSS through custom properties
    page.evaluate(
        "() => document.querySelector('phasewise-widget').style"
        ".setProperty('--pw-accent', 'rgb(1, 2, 3)')"
    )
    colour = page.evaluate(
        "() => getComputedStyle(document.querySelector('phasewise-widget')"
        ".shadowRoot.querySelector('.s button')).borderTopColor"
    )
    assert colour == "rgb(1, 2, 3)"
    context.close()


def test_answer_survives_a_network_failure(setup, browser, db):
    """The first POST fails; the widget retries with the same idempotency key: one row."""
    context = browser.new_context()
    page = context.new_page()
    failures = {"left": 1}

    def flaky(route):
        if failures["left"]:
            failures["left"] -= 1
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/w/v1/responses*", flaky)
    page.goto(setup["shop"] + "/")
    widget = _widget(page)
    widget.get_by_role("button", name="8", exact=True).click()
    widget.get_by_role("button", name="Send").click()
    widget.get_by_text("Thank you for your answer!").wait_for(timeout=10_000)
    [answer] = _stored(db, 1)
    assert answer.answers == {"nps": 8}
    context.close()
