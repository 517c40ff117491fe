"""The widget in a real browser where pages and networks are less kind: refused answers and
surveys, other stacking and layout, pages that swap their body, two tags, keyboard focus,
400 % zoom, a required text left empty, a long outage, and an old versioned script URL.

The shop is a second origin with a strict CSP that allows the Phasewise origin (as the docs
advise), so `/widget.<version>.js` and its redirect load too.
"""

import pytest
from sqlalchemy import select

from app.models import Response, Touchpoint
from tests.channels.helpers import ThreadedServer, shop_app, until

pytestmark = pytest.mark.browser

NONCE = "edgenonce42"


def tag(app_origin: str, site_key: str, extra: str = "", path: str = "/widget.js") -> str:
    return (
        f'<script src="{app_origin}{path}" data-site-key="{site_key}" data-locale="en"'
        f' nonce="{NONCE}" {extra} async></script>'
    )


def page_html(body: str, style: str = "") -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<style nonce="{NONCE}">{style}</style></head><body>
<main><h1>Shop</h1><button id="buy">Buy</button><p id="outro">The end.</p></main>
{body}
</body></html>"""


@pytest.fixture
def shop(app, db):
    """Phasewise on one port, a shop serving `shop.pages[path]` on another, and a brand
    allowing the shop: phase `levering` (a score, then a required text) and phase `aankoop`
    (one score, sent at once), with a touchpoint `Webshop`."""
    from app.services import brands, journeys, surveys

    pages: dict[str, str] = {}

    serve = shop_app(pages, lambda: phasewise.origin, NONCE)

    with ThreadedServer(app) as phasewise, ThreadedServer(serve) as server:
        brand, _ = brands.create_brand("Randwinkel", "randwinkel", "nl", [server.origin])
        journey = journeys.create_journey(
            brand,
            {
                "name": "Reis",
                "phases": [{"key": "aankoop", "name": "Aankoop"}, {"key": "levering", "name": "L"}],
            },
        )
        journeys.add_touchpoint(brand, journey.id, "aankoop", {"name": "Webshop", "channel": "web"})
        nps = {
            "key": "nps",
            "type": "nps",
            "required": True,
            "text": {"nl": "Aanraden?", "en": "Recommend?"},
        }
        for phase, questions in [
            ("aankoop", [nps]),
            (
                "levering",
                [
                    nps,
                    {
                        "key": "why",
                        "type": "text",
                        "required": True,
                        "text": {"nl": "Waarom?", "en": "Why?"},
                    },
                ],
            ),
        ]:
            surveys.create_survey(
                brand,
                {"journey_id": journey.id, "phase": phase, "locale": "nl", "questions": questions},
            )
        db.session.commit()
        server.pages = pages
        server.app_origin = phasewise.origin
        server.brand = brand
        server.site_key = brand.site_key
        yield server


def _open(browser, shop, body: str, style: str = "", **context):
    shop.pages["/"] = page_html(body, style)
    ctx = browser.new_context(**context)
    page = ctx.new_page()
    page.warnings = []
    page.on(
        "console",
        lambda message: message.type == "warning" and page.warnings.append(message.text),
    )
    return ctx, page


def _widget(page):
    page.wait_for_selector("phasewise-widget", state="attached", timeout=10_000)
    return page.locator("phasewise-widget")


def _rows(db):
    db.session.expire_all()
    return db.session.scalars(select(Response).order_by(Response.id)).all()


def _wait_for_rows(page, db, count: int):
    for _ in range(50):
        rows = _rows(db)
        if len(rows) >= count:
            return rows
        page.wait_for_timeout(100)
    raise AssertionError(f"expected {count} stored answers, found {len(rows)}")


def _set_origins(db, brand, origins):
    brand.allowed_origins = origins
    db.session.commit()


def test_a_refused_answer_is_not_thanked_and_tells_the_developer_why(shop, browser, db):
    ctx, page = _open(browser, shop, tag(shop.app_origin, shop.site_key, 'data-phase="aankoop"'))
    refusal = {
        "error": {"code": "validation_error", "message": "some answers are not valid", "fields": {}}
    }
    page.route(
        shop.app_origin + "/w/v1/responses*",
        lambda route: route.fulfill(
            status=422,
            json=refusal,
            headers={"Access-Control-Allow-Origin": shop.origin},
        ),
    )
    page.goto(shop.origin + "/")
    widget = _widget(page)
    widget.get_by_role("button", name="9", exact=True).click()
    widget.get_by_role("heading", name="Sorry, your answer could not be saved.").wait_for()
    assert widget.get_by_text("Thank you").count() == 0
    assert any(w.startswith("Phasewise: validation_error: ") for w in page.warnings)
    # it cannot succeed later, so it is not kept for a retry
    assert page.evaluate("localStorage.getItem('phasewise:queue')") is None
    assert _rows(db) == []
    ctx.close()


def test_an_answer_refused_by_the_sites_settings_waits_until_they_are_right(shop, browser, db):
    """A 403 (the origin taken off the list by mistake) is the owner's to put right: the
    answer stays queued and goes out once the origin is allowed again."""
    ctx, page = _open(browser, shop, tag(shop.app_origin, shop.site_key, 'data-phase="aankoop"'))
    page.clock.install()  # the retries' 1+2+4+8+16 s pass at once
    page.goto(shop.origin + "/")
    widget = _widget(page)
    widget.get_by_role("button", name="9", exact=True).wait_for()
    allowed = list(shop.brand.allowed_origins)
    _set_origins(db, shop.brand, ["https://elsewhere.example"])  # refused from now on: 403
    widget.get_by_role("button", name="9", exact=True).click()
    for _ in range(6):  # every retry, each refused
        page.clock.run_for(20_000)
        page.wait_for_timeout(100)
    assert any("origin_not_allowed: " in w for w in page.warnings), page.warnings
    assert page.evaluate("JSON.parse(localStorage.getItem('phasewise:queue')).length") == 1
    assert _rows(db) == []
    _set_origins(db, shop.brand, allowed)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    [answer] = _wait_for_rows(page, db, 1)
    assert answer.answers == {"nps": 9}
    until(page, "localStorage.getItem('phasewise:queue') === null")
    ctx.close()


def test_failed_survey_requests_are_logged_and_open_nothing(shop, browser, db):
    ctx, page = _open(browser, shop, tag(shop.app_origin, shop.site_key))
    page.goto(shop.origin + "/")
    until(page, "!!window.Phasewise")
    shows = {
        "validation_error: unknown touchpoint": "{phase: 'aankoop', touchpoint: 'Nergens'}",
        "invalid_site_key: ": "{phase: 'aankoop', siteKey: 'pk_wrong'}",
        "not_found: no phase 'onbekend'": "{phase: 'onbekend'}",
    }
    for expected, options in shows.items():
        assert page.evaluate(f"Phasewise.show({options})") is False
        assert any(expected in w for w in page.warnings), (expected, page.warnings)
    _set_origins(db, shop.brand, [])
    assert page.evaluate("Phasewise.show({phase: 'aankoop'})") is False
    assert any("origin_not_allowed: " in w for w in page.warnings), page.warnings
    assert page.locator("phasewise-widget").count() == 0

    # a touchpoint the phase has opens it, and the answer is stored against it
    _set_origins(db, shop.brand, [shop.origin])
    assert page.evaluate("Phasewise.show({phase: 'aankoop', touchpoint: 'Webshop'})") is True
    _widget(page).get_by_role("button", name="7", exact=True).click()
    _widget(page).get_by_text("Thank you for your answer!").wait_for()
    [answer] = _wait_for_rows(page, db, 1)
    assert db.session.get(Touchpoint, answer.touchpoint_id).name == "Webshop"
    ctx.close()


def test_above_a_cookie_banner_and_a_transformed_body_and_after_body_swaps(shop, browser, db):
    banner = '<div id="cookies">We use cookies.</div>'
    style = (
        "#cookies { position: fixed; left: 0; right: 0; bottom: 0; height: 300px;"
        " z-index: 2147483645; background: #eee; }"
    )
    body = banner + tag(shop.app_origin, shop.site_key, 'data-phase="aankoop"')
    size = {"width": 1000, "height": 700}
    ctx, page = _open(browser, shop, body, style, viewport=size, reduced_motion="reduce")
    page.goto(shop.origin + "/")
    widget = _widget(page)
    nine = widget.get_by_role("button", name="9", exact=True)
    nine.wait_for()
    box = nine.bounding_box()
    # what the visitor sees there is the widget, not the bottom cookie banner
    point = f"{box['x'] + box['width'] / 2}, {box['y'] + box['height'] / 2}"
    assert page.evaluate(f"document.elementFromPoint({point}).nodeName") == "PHASEWISE-WIDGET"

    # a transformed <body> is the containing block of its fixed children: not of the widget
    assert page.evaluate("document.querySelector('phasewise-widget').parentNode.nodeName") == "HTML"
    page.evaluate("document.body.style.transform = 'translateX(-4000px)'")
    assert nine.bounding_box() == box
    assert page.evaluate(f"document.elementFromPoint({point}).nodeName") == "PHASEWISE-WIDGET"

    # Turbo swaps <body>: the widget stays
    page.evaluate(
        "() => { const b = document.createElement('body');"
        " b.innerHTML = '<p>next page</p>'; document.body.replaceWith(b); }"
    )
    assert nine.is_visible()
    # a swap of the whole document removes it: it counts as closed and opens again
    page.evaluate("() => document.documentElement.replaceChildren(document.createElement('body'))")
    assert page.locator("phasewise-widget").count() == 0
    assert page.evaluate("Phasewise.show({phase: 'aankoop', force: true})") is True
    _widget(page).get_by_role("button", name="9", exact=True).wait_for()
    assert page.locator("phasewise-widget").count() == 1
    ctx.close()


def test_a_second_different_tag_is_ignored_with_a_warning(shop, browser, db):
    first = tag(shop.app_origin, shop.site_key, 'data-phase="aankoop"')
    second = tag(shop.app_origin, shop.site_key, 'data-phase="levering"')
    ctx, page = _open(browser, shop, first + second)
    page.goto(shop.origin + "/")
    _widget(page).get_by_role("button", name="9", exact=True).wait_for()
    page.wait_for_timeout(300)
    assert page.locator("phasewise-widget").count() == 1
    assert [w for w in page.warnings if "second, different widget tag" in w] != []
    ctx.close()

    # the same tag twice (a page that re-runs its scripts) is not worth a warning
    ctx, page = _open(browser, shop, first + first)
    page.goto(shop.origin + "/")
    _widget(page).get_by_role("button", name="9", exact=True).wait_for()
    page.wait_for_timeout(300)
    assert page.locator("phasewise-widget").count() == 1
    assert page.warnings == []
    ctx.close()


FOCUSED = """() => {
  const host = document.querySelector('phasewise-widget');
  const inside = host && host.shadowRoot.activeElement;
  return inside ? 'widget:' + inside.textContent : document.activeElement.id;
}"""


def _tab_to(page, label: str) -> None:
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED) == "widget:" + label:
            return
    raise AssertionError(f"keyboard focus never reached {label!r}")


def test_escape_and_close_give_the_focus_back(shop, browser, db):
    ctx, page = _open(browser, shop, tag(shop.app_origin, shop.site_key))
    page.goto(shop.origin + "/")
    until(page, "!!window.Phasewise")
    page.focus("#buy")
    assert page.evaluate("Phasewise.show({phase: 'levering'})") is True
    _widget(page).get_by_role("button", name="9", exact=True).wait_for()
    assert page.evaluate(FOCUSED) == "buy"  # opening never takes the focus

    page.focus("#buy")
    _tab_to(page, "9")
    page.keyboard.press("Enter")  # the next step: the focus moves to its heading
    page.keyboard.press("Escape")
    assert page.locator("phasewise-widget").count() == 0
    assert page.evaluate(FOCUSED) == "buy"

    assert page.evaluate("Phasewise.show({phase: 'levering', force: true})") is True
    _widget(page).get_by_role("button", name="9", exact=True).wait_for()
    page.focus("#buy")
    _tab_to(page, "\u00d7")
    page.keyboard.press("Enter")
    assert page.locator("phasewise-widget").count() == 0
    assert page.evaluate(FOCUSED) == "buy"
    ctx.close()


def test_at_400_percent_zoom_the_panel_fits_and_scrolls(shop, browser, db):
    body = tag(shop.app_origin, shop.site_key, 'data-phase="levering"')
    size = {"width": 320, "height": 256}
    ctx, page = _open(browser, shop, body, viewport=size, reduced_motion="reduce")
    page.goto(shop.origin + "/")
    widget = _widget(page)
    widget.get_by_role("button", name="9", exact=True).click()
    widget.get_by_role("textbox", name="Why?").fill("Fine.")
    widget.get_by_role("button", name="Next").click()
    # the review step is the tallest: taller than the screen, so the panel scrolls
    widget.get_by_role("heading", name="May we publish your answer as a review?").wait_for()
    box = widget.get_by_role("dialog").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"] + 0.5
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"] + 0.5
    assert page.evaluate(
        "() => { const p = document.querySelector('phasewise-widget').shadowRoot"
        ".querySelector('.p'); return p.scrollHeight > p.clientHeight + 20; }"
    )
    no = widget.get_by_role("button", name="No, thanks")
    no.scroll_into_view_if_needed()
    no_box = no.bounding_box()
    assert no_box["y"] >= 0 and no_box["y"] + no_box["height"] <= size["height"] + 0.5
    no.click()
    widget.get_by_text("Thank you for your answer!").wait_for()
    ctx.close()


def test_a_question_and_options_of_one_long_word_wrap_inside_a_phone_panel(shop, browser, db):
    from app.models import Journey
    from app.services import surveys

    word = "Badkamerrenovatieoffertebesprekingsafspraakbevestigingsmail"  # no room to break
    journey = db.session.scalars(select(Journey).filter_by(brand_id=shop.brand.id)).one()
    surveys.create_survey(
        shop.brand,
        {
            "journey_id": journey.id,
            "phase": "aankoop",
            "locale": "en",
            "questions": [
                {
                    "key": "mail",
                    "type": "choice",
                    "text": f"Did the {word} arrive? https://shop.example/a/long/path/without/spaces",
                    "options": [{"key": "yes", "label": word * 2}, {"key": "no", "label": "No"}],
                }
            ],
        },
    )
    db.session.commit()
    body = tag(shop.app_origin, shop.site_key, 'data-phase="aankoop"')
    ctx, page = _open(browser, shop, body, viewport={"width": 320, "height": 640})
    page.goto(shop.origin + "/")
    widget = _widget(page)
    widget.get_by_role("button", name="No", exact=True).wait_for()
    # nothing runs out of the panel: it never scrolls sideways, and no text is cut off at its edge
    assert page.evaluate(
        "() => { const r = document.querySelector('phasewise-widget').shadowRoot,"
        " p = r.querySelector('.p'), edge = p.getBoundingClientRect().right;"
        " return [p.scrollWidth - p.clientWidth,"
        " [...r.querySelectorAll('h2, button')].filter(e => e.getBoundingClientRect().right > edge)"
        ".map(e => e.textContent)]; }"
    ) == [0, []]
    ctx.close()


def test_a_right_to_left_answer_and_name_are_written_right_to_left(shop, browser, db):
    body = tag(shop.app_origin, shop.site_key, 'data-phase="levering"')
    ctx, page = _open(browser, shop, body)
    page.goto(shop.origin + "/")
    widget = _widget(page)
    widget.get_by_role("button", name="8", exact=True).click()
    direction = "e => getComputedStyle(e).direction"
    text = widget.get_by_role("textbox", name="Why?")
    text.fill("الخدمة كانت ممتازة")
    assert text.evaluate(direction) == "rtl"
    widget.get_by_role("button", name="Next").click()
    name = widget.get_by_role("textbox", name="Name shown with your review")
    name.fill("דוד כהן")
    assert name.evaluate(direction) == "rtl"
    ctx.close()


def test_control_characters_pasted_in_do_not_lose_the_answer(shop, browser, db):
    """A vertical tab pasted from Word had the server refuse the whole answer, and the
    customer read that it was not saved (customer-copy review): the widget drops them."""
    body = tag(shop.app_origin, shop.site_key, 'data-phase="levering"')
    ctx, page = _open(browser, shop, body)
    page.goto(shop.origin + "/")
    widget = _widget(page)
    widget.get_by_role("button", name="7", exact=True).click()
    widget.get_by_role("textbox", name="Why?").fill("Goed\x0bgeregeld,\nnetjes\x0c.")
    widget.get_by_role("button", name="Next").click()
    widget.get_by_role("textbox", name="Name shown with your review").fill("An\x1bna")
    widget.get_by_role("button", name="Yes, publish as a review").click()
    widget.get_by_text("Thank you for your answer!").wait_for()
    stored = _wait_for_rows(page, db, 1)[0]
    assert stored.answers == {"nps": 7, "why": "Goedgeregeld,\nnetjes."}
    assert stored.review_request["display_name"] == "Anna"
    ctx.close()


def test_an_empty_required_text_says_why_it_cannot_be_sent(shop, browser, db):
    body = tag(shop.app_origin, shop.site_key, 'data-phase="levering"')
    ctx, page = _open(browser, shop, body)
    page.goto(shop.origin + "/")
    widget = _widget(page)
    widget.get_by_role("button", name="6", exact=True).click()
    text = widget.get_by_role("textbox", name="Why?")
    assert text.get_attribute("aria-invalid") is None
    widget.get_by_role("button", name="Send").click()
    message = widget.get_by_text("Please choose or enter an answer.")
    message.wait_for()
    assert message.is_visible()
    assert text.get_attribute("aria-invalid") == "true"
    assert message.get_attribute("id") == text.get_attribute("aria-describedby")
    assert page.evaluate(FOCUSED) == "widget:"  # the (empty) textarea has the focus
    assert _rows(db) == []
    text.fill("Late.")
    widget.get_by_role("button", name="Next").click()
    widget.get_by_role("button", name="No, thanks").click()
    widget.get_by_text("Thank you for your answer!").wait_for()
    assert _wait_for_rows(page, db, 1)[0].answers == {"nps": 6, "why": "Late."}
    ctx.close()


def test_an_answer_kept_through_a_long_outage_is_sent_once_back_online(shop, browser, db):
    ctx, page = _open(browser, shop, tag(shop.app_origin, shop.site_key, 'data-phase="aankoop"'))
    page.clock.install()  # the retries' 1+2+4+8+16 s pass at once
    page.goto(shop.origin + "/")
    widget = _widget(page)
    widget.get_by_role("button", name="9", exact=True).wait_for()
    ctx.set_offline(True)
    widget.get_by_role("button", name="9", exact=True).click()
    widget.get_by_text("No connection; we will try again shortly.").wait_for()
    for _ in range(6):  # every retry, each failing while offline
        page.clock.run_for(20_000)
        page.wait_for_timeout(100)
    assert page.evaluate("JSON.parse(localStorage.getItem('phasewise:queue')).length") == 1
    assert _rows(db) == []
    ctx.set_offline(False)  # the `online` event sends it
    [answer] = _wait_for_rows(page, db, 1)
    assert answer.answers == {"nps": 9}
    until(page, "localStorage.getItem('phasewise:queue') === null")
    page.evaluate("window.dispatchEvent(new Event('online'))")  # again: nothing left to send
    page.wait_for_timeout(500)
    assert len(_rows(db)) == 1
    ctx.close()


def test_an_old_versioned_url_loads_with_crossorigin_anonymous(shop, browser, db):
    old = tag(
        shop.app_origin,
        shop.site_key,
        'data-phase="aankoop" crossorigin="anonymous"',
        path="/widget.000000000000.js",
    )
    ctx, page = _open(browser, shop, old)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(shop.origin + "/")
    _widget(page).get_by_role("button", name="9", exact=True).wait_for()
    assert errors == []
    ctx.close()
