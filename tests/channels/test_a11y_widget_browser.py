"""The widget and the page it sits on, from an accessibility audit: Escape from anywhere on
the page, page content with the focus never left behind the panel (WCAG 2.4.11), the page's
language before the browser's, a light brand colour's edges, and a required text announced.

The shop is a second origin with a strict CSP that allows the Phasewise origin, as in
test_widget_browser_edges.
"""

import pytest

from tests.channels.helpers import ThreadedServer, shop_app, until

pytestmark = pytest.mark.browser

NONCE = "a11ynonce7"
LINKS = "".join(
    f"<p>Product {i}: <a href='#p{i}' id='l{i}'>See product {i}</a></p>" for i in range(40)
)


def page_html(body: str, lang: str = "en", tag_attrs: str = "", script: str = "") -> str:
    # links as wide as the page, so the panel covers some at any width (the audit's shop)
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Shop</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style nonce="{NONCE}">body {{ margin: 8px; font: 16px/1.5 serif; }} p a {{ display: block; }}
</style></head><body>
<main><h1>Shop</h1><button id="buy">Buy</button>{body}</main>
{script}
<script src="{{app}}/widget.js" data-site-key="{{key}}" nonce="{NONCE}" {tag_attrs} async></script>
</body></html>"""


@pytest.fixture
def shop(app, db):
    """Phasewise on one port and a shop on another serving `shop.pages[path]`; a brand (light
    yellow, the audit's colour) allowing the shop, with phase `levering`: a score, then a
    required text, in Dutch and English."""
    from app.services import brands, journeys, surveys

    pages: dict[str, str] = {}

    serve = shop_app(
        pages,
        lambda: phasewise.origin,
        NONCE,
        lambda body: body.replace("{app}", phasewise.origin).replace("{key}", site_key),
    )

    with ThreadedServer(app) as phasewise, ThreadedServer(serve) as server:
        brand, _ = brands.create_brand("Geelwinkel", "geelwinkel", "nl", [server.origin])
        brand.primary_color = "#ffff00"
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
                        "text": {"nl": "Aanraden?", "en": "Recommend?"},
                    },
                    {
                        "key": "why",
                        "type": "text",
                        "required": True,
                        "text": {"nl": "Waarom?", "en": "Why?"},
                    },
                ],
            },
        )
        db.session.commit()
        site_key = brand.site_key
        server.pages = pages
        yield server


def _open(browser, shop, html: str, **context):
    shop.pages["/"] = html
    ctx = browser.new_context(reduced_motion="reduce", **context)
    page = ctx.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(shop.origin + "/")
    return ctx, page


def _widget(page):
    page.wait_for_selector("phasewise-widget", state="attached", timeout=10_000)
    widget = page.locator("phasewise-widget")
    widget.get_by_role("heading").first.wait_for()
    return widget


FOCUSED = """() => {
  const host = document.querySelector('phasewise-widget');
  const inside = host && host.shadowRoot.activeElement;
  return inside ? 'widget:' + inside.textContent : document.activeElement.id;
}"""

# Whether the focused page element's centre shows, or the widget covers it.
COVERED = """() => {
  const r = document.activeElement.getBoundingClientRect();
  return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2).nodeName
    === 'PHASEWISE-WIDGET';
}"""

FOLDED = "document.querySelector('phasewise-widget').hasAttribute('data-min')"

# The first link the open panel covers, without scrolling (focus() would scroll to one below).
FIRST_COVERED = """() => [...document.querySelectorAll('p a')].find(a => {
  const r = a.getBoundingClientRect();
  return r.bottom <= innerHeight &&
    document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2).nodeName
      === 'PHASEWISE-WIDGET';
}).id"""


def test_escape_on_the_page_folds_the_widget_keeping_answers_and_focus(shop, browser, db):
    """A page's native <dialog> or search box takes Escape without preventDefault: the widget
    folds to its button rather than closing, so nothing answered is lost."""
    dialog = '<dialog id="d"><button id="in-dialog">OK</button></dialog>'
    ctx, page = _open(browser, shop, page_html(LINKS + dialog, tag_attrs='data-phase="levering"'))
    widget = _widget(page)
    widget.get_by_role("button", name="7", exact=True).click()
    page.focus("#l3")
    page.keyboard.press("Escape")
    assert page.evaluate(FOLDED) is True
    assert page.evaluate(FOCUSED) == "l3"  # nothing moved: the focus stays where it was
    page.evaluate("document.getElementById('d').showModal()")
    page.keyboard.press("Escape")  # closes the page's dialog; the widget stays folded
    assert page.evaluate("document.getElementById('d').open") is False
    assert page.locator("phasewise-widget").count() == 1 and page.errors == []
    widget.get_by_role("button", name="Feedback for Geelwinkel").click()
    assert page.evaluate(FOLDED) is False
    assert widget.get_by_role("textbox", name="Why?").is_visible()  # the 7 was kept
    widget.get_by_role("textbox", name="Why?").press("Escape")  # inside the panel: closes
    assert page.locator("phasewise-widget").count() == 0
    page.keyboard.press("Escape")  # once closed, Escape is the page's again: no error
    assert page.errors == []
    ctx.close()


def test_escape_the_page_used_itself_leaves_the_widget_open(shop, browser, db):
    # a page's own menu closes on Escape and says so with preventDefault
    menu = (
        f'<script nonce="{NONCE}">document.addEventListener("keydown", function (e) {{'
        ' if (e.key === "Escape" && document.activeElement.id === "l1") e.preventDefault(); });'
        "</script>"
    )
    html = page_html(LINKS, tag_attrs='data-phase="levering"', script=menu)
    ctx, page = _open(browser, shop, html)
    _widget(page)
    page.focus("#l1")
    page.keyboard.press("Escape")
    assert page.evaluate(FOLDED) is False
    page.focus("#l2")
    page.keyboard.press("Escape")
    assert page.evaluate(FOLDED) is True
    ctx.close()


@pytest.mark.parametrize("viewport", [(360, 740), (640, 400)])  # a phone; 1280x800 at 200 %
def test_no_tab_stop_of_the_page_is_left_behind_the_panel(shop, browser, db, viewport):
    width, height = viewport
    html = page_html(LINKS, tag_attrs='data-phase="levering"')
    ctx, page = _open(browser, shop, html, viewport={"width": width, "height": height})
    widget = _widget(page)
    assert page.evaluate(FOLDED) is False  # opening alone folds nothing
    covered, folded_at = [], None
    for _ in range(41):  # "Buy" and the 40 links
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert not focused.startswith("widget:")
        page.wait_for_timeout(30)  # the widget looks once the browser has scrolled
        if page.evaluate(COVERED):
            covered.append(focused)
        if folded_at is None and page.evaluate(FOLDED):
            folded_at = focused
    assert covered == []
    assert folded_at is not None  # the panel did cover a link, and folded down for it
    assert page.evaluate(FOCUSED) == "l39"  # folding never took the focus

    # the folded widget is the next tab stop; it unfolds into the survey on Enter
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED) == "widget:Feedback for Geelwinkel"
    page.keyboard.press("Enter")
    assert page.evaluate(FOLDED) is False
    assert widget.get_by_role("button", name="9", exact=True).is_visible()
    assert page.evaluate(FOCUSED) == "widget:Recommend?"  # its heading
    # Escape in the survey closes it and gives the focus back to the page
    page.keyboard.press("Escape")
    assert page.locator("phasewise-widget").count() == 0
    assert page.evaluate(FOCUSED) == "l39"
    assert page.errors == []
    ctx.close()


def test_a_folded_widget_answers_as_before(shop, browser, db):
    html = page_html(LINKS, tag_attrs='data-phase="levering"')
    ctx, page = _open(browser, shop, html, viewport={"width": 360, "height": 740})
    widget = _widget(page)
    covered = page.evaluate(FIRST_COVERED)
    page.focus("#" + covered)
    until(page, FOLDED)
    assert page.evaluate(FOCUSED) == covered
    assert not page.evaluate(COVERED)
    assert not widget.get_by_role("dialog").is_visible()
    widget.get_by_role("button", name="Feedback for Geelwinkel").click()
    widget.get_by_role("button", name="8", exact=True).click()
    widget.get_by_role("textbox", name="Why?").fill("Quick.")
    widget.get_by_role("button", name="Next").click()
    widget.get_by_role("button", name="No, thanks").click()
    widget.get_by_text("Thank you for your answer!").wait_for()
    ctx.close()


@pytest.mark.parametrize(
    ("html_lang", "browser_locale", "heading"),
    [
        ("nl", "en-US", "Aanraden?"),  # a Dutch page in an English browser
        ("en-GB", "nl-NL", "Recommend?"),  # an English page in a Dutch browser
        ("NL-be", "en-US", "Aanraden?"),  # any region, any case
        ("de", "en-US", "Recommend?"),  # a language the widget does not speak: the browser's
        ("", "nl-NL", "Aanraden?"),  # no lang at all: the browser's
    ],
)
def test_without_data_locale_the_widget_speaks_the_pages_language(
    shop, browser, db, html_lang, browser_locale, heading
):
    html = page_html("", lang=html_lang, tag_attrs='data-phase="levering"')
    ctx, page = _open(browser, shop, html, locale=browser_locale)
    widget = _widget(page)
    assert widget.get_by_role("heading").text_content() == heading
    ctx.close()


def test_data_locale_still_wins_over_the_pages_language(shop, browser, db):
    html = page_html("", lang="nl", tag_attrs='data-phase="levering" data-locale="en"')
    ctx, page = _open(browser, shop, html, locale="nl-NL")
    assert _widget(page).get_by_role("heading").text_content() == "Recommend?"
    ctx.close()


def test_a_light_brand_colour_keeps_visible_edges_and_the_required_text_says_so(shop, browser, db):
    html = page_html("", lang="en", tag_attrs='data-phase="levering"')
    ctx, page = _open(browser, shop, html)
    widget = _widget(page)
    border = page.evaluate(
        "() => getComputedStyle(document.querySelector('phasewise-widget')"
        ".shadowRoot.querySelector('.s button')).borderTopColor"
    )
    assert border == "rgb(153, 153, 0)"  # #ffff00 darkened to 3:1 on white, not the 1.07:1 yellow
    widget.get_by_role("button", name="7", exact=True).click()
    text = widget.get_by_role("textbox", name="Why?")
    assert text.get_attribute("aria-required") == "true"  # announced before any error
    ctx.close()
