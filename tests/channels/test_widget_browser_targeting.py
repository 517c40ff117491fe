"""Targeting in a real browser: a share of visitors (drawn once, remembered), a delay, exit
intent (and its touch-screen fallback), a visitor typing in the page's own form, and bad
attribute values, which are ignored with a warning.

The shop is a second origin with a strict CSP; `Math.random` is fixed by an init script so a
draw is known, and a nonced script notes when the widget's element arrives.
"""

import pytest

from tests.channels.helpers import ThreadedServer, shop_app, until

pytestmark = pytest.mark.browser

NONCE = "targetnonce7"
# When the widget's element was added, in ms since the page started (performance.now()).
WATCH = f"""<script nonce="{NONCE}">
new MutationObserver(function () {{
  if (!window.openedAt && document.querySelector('phasewise-widget'))
    window.openedAt = performance.now();
}}).observe(document.documentElement, {{childList: true}});
</script>"""
OPEN = "!!document.querySelector('phasewise-widget')"


@pytest.fixture
def shop(app, db):
    """Phasewise on one port, a shop serving `shop.pages[path]` on another, and a brand
    allowing the shop, with one NPS question in phase `aankoop`."""
    from app.services import brands, journeys, surveys

    pages: dict[str, str] = {}
    serve = shop_app(pages, lambda: phasewise.origin, NONCE)
    with ThreadedServer(app) as phasewise, ThreadedServer(serve) as server:
        brand, _ = brands.create_brand("Doelwinkel", "doelwinkel", "nl", [server.origin])
        journey = journeys.create_journey(
            brand, {"name": "Reis", "phases": [{"key": "aankoop", "name": "Aankoop"}]}
        )
        question = {"key": "nps", "type": "nps", "required": True, "text": {"nl": "?", "en": "?"}}
        surveys.create_survey(
            brand,
            {"journey_id": journey.id, "phase": "aankoop", "locale": "nl", "questions": [question]},
        )
        db.session.commit()
        server.pages = pages
        server.app_origin = phasewise.origin
        server.site_key = brand.site_key
        yield server


def _page(browser, shop, attributes: str, random=None, init="", ctx=None, before="", **context):
    """A shop page whose widget tag carries `attributes`; `random` is every Math.random(),
    `init` a script run before the page's own, `before` the page's script before the tag."""
    shop.pages["/"] = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title>{WATCH}</head><body>
<main><h1>Checkout</h1><label>Email <input id="email" type="email"></label>
<button id="pay">Pay</button></main>{before}
<script src="{shop.app_origin}/widget.js" data-site-key="{shop.site_key}" data-phase="aankoop"
  nonce="{NONCE}" {attributes} async></script>
</body></html>"""
    ctx = ctx or browser.new_context(**context)
    page = ctx.new_page()
    if random is not None:
        page.add_init_script(f"Math.random = () => {random}")
    if init:
        page.add_init_script(init)
    page.warnings, page.asked = [], []
    page.on("console", lambda m: m.type == "warning" and page.warnings.append(m.text))
    page.on("request", lambda r: "/w/v1/survey" in r.url and page.asked.append(r.url))
    page.goto(shop.origin + "/")
    return ctx, page


def _draw(page, shop):
    return page.evaluate(f"localStorage.getItem('phasewise:in:{shop.site_key}:aankoop')")


def _settled(page):
    # the script has run and its survey request, if any, has had time to go out and come back
    until(page, "!!window.Phasewise")
    page.wait_for_timeout(300)


def test_a_visitor_drawn_out_stays_out_and_force_still_opens(shop, browser):
    ctx, page = _page(browser, shop, 'data-sample="0.2"', random=0.5)
    _settled(page)
    assert not page.evaluate(OPEN) and page.asked == []  # not even asked for the survey
    assert _draw(page, shop) == "0.5"
    # the next page draws again only in a new visitor's browser: 0.1 would have been in
    page.close()
    _, page = _page(browser, shop, 'data-sample="0.2"', random=0.1, ctx=ctx)
    _settled(page)
    assert not page.evaluate(OPEN) and page.asked == []
    assert _draw(page, shop) == "0.5"
    # the page's own "Feedback" button passes force: the share does not hold it back
    assert page.evaluate("Phasewise.show({phase: 'aankoop', force: true})") is True
    assert page.warnings == []
    ctx.close()


def test_a_visitor_drawn_in_stays_in(shop, browser):
    ctx, page = _page(browser, shop, 'data-sample="0.2"', random=0.1)
    until(page, OPEN)
    assert _draw(page, shop) == "0.1"
    # past the cooldown, a later page with a draw of 0.9 would be out: the kept draw counts
    page.evaluate(f"localStorage.removeItem('phasewise:until:{shop.site_key}')")
    page.close()
    _, page = _page(browser, shop, 'data-sample="0.2"', random=0.9, ctx=ctx)
    until(page, OPEN)
    assert _draw(page, shop) == "0.1"
    ctx.close()


def test_the_share_from_code_and_blocked_storage(shop, browser):
    ctx, page = _page(browser, shop, 'data-sample="1"', random=0.3)
    until(page, OPEN)
    page.evaluate("Phasewise.close()")
    page.evaluate(f"localStorage.removeItem('phasewise:until:{shop.site_key}')")
    # show()'s own sample wins over the tag's: the kept 0.3 is out of 0.25
    assert page.evaluate("Phasewise.show({phase: 'aankoop', sample: 0.25})") is False
    assert page.evaluate("Phasewise.show({phase: 'aankoop', sample: 0.5})") is True
    ctx.close()
    # storage blocked (all cookies refused): a draw that cannot be kept is out, not redrawn
    blocked = "Object.defineProperty(window, 'localStorage', {get() { throw new Error('no') }})"
    ctx, page = _page(browser, shop, 'data-sample="0.99"', random=0.1, init=blocked)
    _settled(page)
    assert not page.evaluate(OPEN)
    ctx.close()


def test_the_widget_waits_for_its_delay(shop, browser):
    ctx, page = _page(browser, shop, 'data-delay="0.8"')
    until(page, OPEN)
    assert page.evaluate("window.openedAt") >= 800
    # the survey was asked for once the delay had passed, not at load
    assert len(page.asked) == 1
    ctx.close()


def test_close_cancels_a_widget_still_waiting_for_its_delay(shop, browser):
    """The page's code closes it before its delay has passed (the visitor went on to pay):
    it neither opens nor asks for the survey later."""
    ctx, page = _page(browser, shop, 'data-delay="0.6"')
    until(page, "!!window.Phasewise")
    page.evaluate("Phasewise.close()")
    page.wait_for_timeout(1000)
    assert not page.evaluate(OPEN) and page.asked == []
    # a later show() of its own is not cancelled by that earlier close
    assert page.evaluate("Phasewise.show({phase: 'aankoop'})") is True
    ctx.close()


def test_a_visitor_typing_in_the_page_is_not_interrupted(shop, browser):
    # typing before the widget's script even runs: no race with the delay on a busy machine
    typing = f"""<script nonce="{NONCE}">
var field = document.getElementById('email'); field.value = 'anna@'; field.focus();
</script>"""
    ctx, page = _page(browser, shop, 'data-delay="0.3"', before=typing)
    page.wait_for_timeout(800)
    assert not page.evaluate(OPEN) and page.asked == []
    page.focus("#pay")  # done with the field: now it may ask
    until(page, OPEN)
    ctx.close()


def test_exit_intent_opens_it_when_the_pointer_leaves_through_the_top(shop, browser):
    ctx, page = _page(browser, shop, 'data-trigger="exit"')
    page.mouse.move(300, 300)
    page.mouse.move(300, 600, steps=3)  # moving around the page is no exit
    page.wait_for_timeout(300)
    assert not page.evaluate(OPEN) and page.asked == []
    page.fill("#email", "anna@")
    page.mouse.move(300, 5)
    page.mouse.move(300, -10)  # off to copy something while typing: not leaving
    page.wait_for_timeout(300)
    assert not page.evaluate(OPEN)
    page.focus("#pay")
    page.mouse.move(300, 300)
    page.mouse.move(300, 5)
    page.mouse.move(300, -10)  # towards the tabs and the address bar
    until(page, OPEN)
    assert page.warnings == []
    ctx.close()


def test_exit_intent_on_a_touch_screen_waits_for_the_delay_instead(shop, browser):
    ctx, page = _page(
        browser, shop, 'data-trigger="exit" data-delay="0.5"', has_touch=True, is_mobile=True
    )
    assert page.evaluate("matchMedia('(hover:none)').matches")
    until(page, OPEN)
    assert page.evaluate("window.openedAt") >= 500
    ctx.close()


def test_bad_values_are_ignored_with_a_warning_and_the_widget_still_opens(shop, browser):
    ctx, page = _page(browser, shop, 'data-sample="20" data-delay="soon" data-trigger="leave"')
    until(page, OPEN)  # at once, to everyone, as without them
    warnings = "\n".join(page.warnings)
    assert 'Phasewise: data-sample "20" ignored' in warnings
    assert 'Phasewise: data-delay "soon" ignored' in warnings
    assert 'Phasewise: data-trigger "leave" ignored' in warnings
    assert page.evaluate(f"localStorage.getItem('phasewise:in:{shop.site_key}:aankoop')") is None
    page.evaluate("Phasewise.close()")
    page.warnings.clear()
    shown = page.evaluate(
        "Phasewise.show({phase: 'aankoop', force: true, sample: -1, delay: 99999})"
    )
    assert shown is True
    assert any('sample "-1" ignored' in w for w in page.warnings)
    assert any('delay "99999" ignored' in w for w in page.warnings)
    ctx.close()


def _fnv(text: str) -> float:
    """The widget's draw for a signed-in customer (FNV-1a, 32 bits, over UTF-16 code units:
    ASCII here)."""
    value = 2166136261
    for char in text:
        value = ((value ^ ord(char)) * 16777619) % 2**32
    return value / 2**32


def test_a_signed_in_customer_is_drawn_by_their_id_alike_in_every_browser(shop, browser):
    """Not by Math.random in each browser: the same customer on a phone and a laptop is in on
    both or out on both, and nothing is kept for them."""
    from app.models import Brand

    brand = Brand.query.filter_by(slug="doelwinkel").one()
    ids = {name: _fnv(f"in:{shop.site_key}:aankoop:{name}") for name in ("klant-1", "klant-2")}
    share = (min(ids.values()) + max(ids.values())) / 2  # one customer in, the other out
    inside = min(ids, key=ids.get)
    for name, random in ((inside, 0.99), (inside, 0.0), (max(ids, key=ids.get), 0.0)):
        sig = brand.sign_customer(name)
        attributes = (
            f'data-sample="{share:.6f}" data-customer-id="{name}" data-customer-sig="{sig}"'
        )
        ctx, page = _page(browser, shop, attributes, random=random)
        _settled(page)
        # in: asked for the survey (the server's contact budget then answers the second ask
        # of the same customer with nothing); out: not even asked
        assert bool(page.asked) is (name == inside), (name, random)
        assert _draw(page, shop) is None
        assert page.warnings == []
        ctx.close()
