"""The journey map in a real browser: desktop and phone screenshots, no console errors, no
outside requests, no serious axe violations, usable by keyboard."""

import pytest

from tests.channels.helpers import serious_violations, until
from tests.dashboard.conftest import PASSWORD, SIZES, answer

pytestmark = pytest.mark.browser


def open_page(browser, server, size, problems):
    context = browser.new_context(viewport=SIZES[size] if isinstance(size, str) else size)
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((server, "data:"))
            else problems.append(f"outside request: {request.url}")
        ),
    )
    page.goto(f"{server}/dashboard")
    assert "/login" in page.url
    page.fill("#email", "owner@testbad.example")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")  # the keyboard submits the form
    page.wait_for_url(f"{server}/dashboard*")
    return page


@pytest.mark.parametrize("size", ["desktop", "mobile"])
def test_the_journey_map_in_a_browser(browser, server, users, seeded, tmp_path, size):
    problems: list[str] = []
    page = open_page(browser, server, size, problems)
    assert page.locator("h1").inner_text().startswith("Journey map")
    assert page.locator("article.phase").count() == 3
    assert page.locator("#fix-first li").count() >= 1
    shot = tmp_path / f"journey-map-{size}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {size} width"
    assert serious_violations(page) == []
    phase_link = page.locator("article.phase h3 a").nth(2)
    phase_link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/phases/levering**")
    assert "Levering" in page.locator("h1").inner_text()
    page.screenshot(path=str(tmp_path / f"phase-{size}.png"), full_page=True)
    assert serious_violations(page) == []
    assert problems == []


@pytest.fixture
def seven_phases(api):
    """The demo's journey shape: seven phases, customers with values going through all of
    them some days apart, and answers with a CSAT in one."""
    from datetime import timedelta

    from app.models.base import utcnow
    from tests.conftest import new_survey

    keys = ["behoefte", "orientatie", "offerte", "aankoop", "levering", "gebruik", "evaluatie"]
    body = {"name": "Van droom tot badkamer", "phases": [{"key": k, "name": k} for k in keys]}
    journey = api.post("/api/v1/journeys", json=body).json
    start = utcnow() - timedelta(days=80)
    for number in range(4):
        customer = {"external_id": f"c{number}", "value": 12_500 + number}
        assert api.post("/api/v1/customers", json=customer).status_code == 201
        for step, key in enumerate(keys):
            moment = start + timedelta(days=step * 9 + number, hours=7)
            event = {"customer": f"c{number}", "journey_id": journey["id"], "phase": key}
            event["occurred_at"] = moment.isoformat() + "+00:00"
            assert api.post("/api/v1/events", json=event).status_code == 201
    survey = new_survey(api, journey["id"], "aankoop")
    for number in range(4):
        answer(api, survey, 9, 4, "Prima geholpen in de winkel", customer=f"c{number}")
    return journey


@pytest.mark.parametrize("width", [760, 1024, 1280, 1366])
def test_the_map_keeps_every_figure_inside_its_phase(browser, server, users, seven_phases, width):
    """Seven phases on a laptop leave a phase a narrow card: its figures went on past the
    card's edge, over the arrow and the next card. Now each goes under its label there."""
    page = open_page(browser, server, {"width": width, "height": 900}, [])
    page.goto(f"{server}/dashboard?journey={seven_phases['id']}")
    assert page.locator("article.phase").count() == 7
    past_the_edge = page.evaluate(
        """() => [...document.querySelectorAll('article.phase')].flatMap(card => {
            const edge = card.getBoundingClientRect().right;
            return [...card.querySelectorAll('dt, dd')]
              .filter(item => item.getBoundingClientRect().right > edge + 0.5)
              .map(item => item.textContent.trim().replace(/\\s+/g, ' '));
        })"""
    )
    assert past_the_edge == []
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}"
    if width >= 1280:  # a laptop sees all seven phases without scrolling the map
        assert (
            page.evaluate("(m => m.scrollWidth - m.clientWidth)(document.querySelector('ol.map'))")
            <= 0
        )


def test_a_focused_phase_is_brought_into_the_maps_view(browser, server, users, seven_phases):
    """At 760 px the map scrolls: a phase link that takes the focus while partly out of view
    was left there by the browser, its focus ring cut off at the map's edge."""
    page = open_page(browser, server, {"width": 760, "height": 900}, [])
    page.goto(f"{server}/dashboard?journey={seven_phases['id']}")
    links = page.locator("ol.map article.phase h3 a")
    for index in range(links.count()):
        links.nth(index).focus()
        cut = page.evaluate(
            """() => {
                const map = document.querySelector('ol.map').getBoundingClientRect();
                const link = document.activeElement.getBoundingClientRect();
                return link.left < map.left - 0.5 || link.right > map.right + 0.5;
            }"""
        )
        assert not cut, f"phase {index + 1}'s link is cut off at the map's edge"


def test_forms_and_settings_in_a_browser(browser, server, users, seeded):
    problems: list[str] = []
    page = open_page(browser, server, "desktop", problems)
    for path in (
        "/dashboard/surveys/new",
        f"/dashboard/journeys/{seeded['journey']['id']}",
        "/dashboard/personas",
        "/dashboard/journeys/import",
        f"/dashboard/journeys/{seeded['journey']['id']}/phases/levering?show=follow_up",
        "/dashboard/invitations",
        "/dashboard/settings",
        "/dashboard/team",
        "/dashboard/account",
        "/dashboard/account/weekly-report",
        "/dashboard/reviews",
        "/dashboard/loyalty",
        "/dashboard/jobs",
        "/dashboard/customers",
        *customer_pages(),
    ):
        page.goto(f"{server}{path}")
        assert serious_violations(page) == [], path
    # the lookup's results and its 422, reached by the form as customer service reaches them
    for typed, shown in (
        ("k0", "Customer k0"),
        ("", "Please correct"),
        ("nobody@x.nl", "No customer"),
    ):
        page.goto(f"{server}/dashboard/customers")
        page.fill("#c-q", typed)
        with page.expect_navigation():
            page.press("#c-q", "Enter")
        assert shown in page.locator("main").inner_text(), typed
        assert serious_violations(page) == [], typed
    problems[:] = [p for p in problems if "422" not in p]  # the browser logs the 422 itself
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{server}/dashboard/settings")
    copy = page.locator('button.copy[data-copy="#snippet"]')
    assert copy.is_visible()  # dashboard.js shows it; without JavaScript it stays hidden
    copy.click()
    until(page, "document.querySelector('.copy-status').textContent !== ''")
    assert "widget.js" in page.evaluate("navigator.clipboard.readText()")
    assert problems == []
    # a form error is announced next to its field (the 422 itself is logged by the browser)
    page.goto(f"{server}/dashboard/personas")
    page.fill("#np-key", "Not A Key")
    page.fill("#np-name", "X")
    page.click("#new-persona button[type=submit]")
    assert page.locator("#np-key").get_attribute("aria-invalid") == "true"
    assert page.locator("#err-key").is_visible()
    # the summary has the focus, so a screen reader reads it out at once
    # (once the page has loaded: autofocus acts then, not at the instant the click returns)
    until(page, "document.activeElement && document.activeElement.getAttribute('role') === 'alert'")
    # the first Tab offers to skip the header's links
    page.goto(f"{server}/dashboard/personas")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def customer_pages() -> list[str]:
    """The customer lookup's pages of the seeded customer k0: their page and the erasure's."""
    from app.extensions import db
    from app.models import Customer

    found = db.session.query(Customer).filter_by(external_id="k0").one()
    return [f"/dashboard/customers/{found.id}", f"/dashboard/customers/{found.id}/erase"]


# The narrowest phones still common (Android, 360 CSS px): a long touchpoint name in the filter
# bar's select widened the map and the phase page by 7 px there.
NARROW_PHONE = {"width": 360, "height": 780}
LONG_TOUCHPOINTS = {
    "orientatie": "Instagram-advertentie voor de zomeractie badkamers 2026",
    "levering": "Montageploeg van de onderaannemer (regio Utrecht en omstreken)",
}


def test_no_page_scrolls_sideways_on_a_phone(browser, server, api, users, seeded, survey):
    """Tables scroll inside their own region; the page itself never scrolls sideways."""
    journey = seeded["journey"]["id"]
    for phase, name in LONG_TOUCHPOINTS.items():
        url = f"/api/v1/journeys/{journey}/phases/{phase}/touchpoints"
        assert api.post(url, json={"name": name, "channel": "onsite"}).status_code == 201
    # an address and an id as long as the API takes: the customer's page wraps them
    long = {
        "external_id": "k0",
        "email": "heel.lange.naam.van.een.klant.met.een.adres@" + "x" * 40 + ".nl",
    }
    assert api.post("/api/v1/customers", json=long).status_code == 200
    filtered = (f"/dashboard/?journey={journey}", f"/dashboard/journeys/{journey}/phases/levering")
    problems: list[str] = []
    wide = {}
    for size, paths in (
        (
            "mobile",
            (
                *filtered,
                "/dashboard/surveys",
                f"/dashboard/surveys/{survey['id']}",
                "/dashboard/journeys",
                f"/dashboard/journeys/{journey}",
                "/dashboard/personas",
                "/dashboard/invitations",
                "/dashboard/settings",
                "/dashboard/reviews",
                "/dashboard/loyalty",
                "/dashboard/webhooks",
                "/dashboard/team",
                "/dashboard/account",
                "/dashboard/account/weekly-report",
                "/dashboard/jobs",
                "/dashboard/customers",
                *customer_pages(),
            ),
        ),
        (NARROW_PHONE, filtered),
    ):
        page = open_page(browser, server, size, problems)
        for path in paths:
            page.goto(f"{server}{path}")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                wide[f"{page.viewport_size['width']}px {path}"] = overflow
        page.context.close()
    assert wide == {}, f"pages that scroll sideways (px): {wide}"


def test_the_welcome_page_works_in_a_browser(browser, server, brand, users):
    """Opened by someone without a login: axe-clean, and the password chosen signs them in."""
    from app.services import users as logins

    _, token = logins.invite(brand, "nieuw@testbad.example", "editor")
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server}/dashboard/welcome/{token}")
    assert serious_violations(page) == []
    page.fill("input[name=password]", "a brand new password")
    page.fill("input[name=password_again]", "a brand new password")
    page.press("input[name=password_again]", "Enter")
    page.wait_for_url(lambda url: "/welcome/" not in url)
    assert "/login" not in page.url
    assert "Journey map" in page.locator("h1").inner_text()
    context.close()


def test_choosing_and_switching_a_brand_in_a_browser(browser, server, brand, users, db):
    """One email with logins at two brands: the choice after login is axe-clean and works by
    keyboard, and Switch brand on every page leads back to it."""
    from app.models import User
    from app.services import brands
    from tests.dashboard.conftest import PASSWORD_HASH

    other, _ = brands.create_brand("Ander Bad")
    db.session.add(User(brand=other, email="owner@testbad.example", password_hash=PASSWORD_HASH))
    db.session.commit()
    context = browser.new_context(viewport=SIZES["mobile"])
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.goto(f"{server}/login")
    page.fill("#email", "owner@testbad.example")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"{server}/dashboard/brands")
    assert page.locator("h1").inner_text() == "Choose a brand"
    assert serious_violations(page) == []
    page.get_by_role("button", name="Ander Bad").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/dashboard/")
    assert "Ander Bad · owner@testbad.example" in page.locator("header").inner_text()
    page.get_by_role("link", name="Switch brand").click()
    page.get_by_role("button", name="Testbad").click()
    page.wait_for_url(f"{server}/dashboard/")
    assert "Testbad · owner@testbad.example · owner" in page.locator("header").inner_text()
    assert problems == []
    context.close()


def test_a_double_click_sends_a_form_once(browser, server, users, db, monkeypatch):
    """A second click while the first post is on its way: the browser drops the first
    navigation, but the server had it already, and made two journeys of one name. The
    second submit is dropped until the page is left."""
    import time

    from app.models import Journey
    from app.services import journeys

    create = journeys.create_journey

    def slowly(*args):  # a server that takes its time: the second click lands meanwhile
        time.sleep(0.4)
        return create(*args)

    monkeypatch.setattr(journeys, "create_journey", slowly)
    problems: list[str] = []
    page = open_page(browser, server, "desktop", problems)
    page.goto(f"{server}/dashboard/journeys/new")
    page.fill("#f-name", "Dubbel")
    page.fill("#f-phases-0-key", "aankoop")
    page.fill("#f-phases-0-name-nl", "Aankoop")
    # two clicks 150 ms apart, from the page itself: the old page is still shown in between
    page.evaluate(
        """() => {
            const button = document.querySelector("form.card button[type=submit]");
            button.click();
            setTimeout(() => button.click(), 150);
        }"""
    )
    page.wait_for_url(lambda url: "/journeys/new" not in url)
    time.sleep(0.6)  # a second post, had it gone, would be stored by now
    db.session.expire_all()
    assert db.session.query(Journey).filter_by(name="Dubbel").count() == 1
    assert problems == []


def test_a_period_from_the_list_replaces_from_and_to(browser, server, users, seeded):
    """The weekly report's link opens a week (from/to, which win over the list): choosing
    "All time" or "Last 7 days" and Apply kept showing that week."""
    from urllib.parse import parse_qs, urlsplit

    def sent(page) -> dict:  # the filters the form sent, empty ones left out
        return {key: values[0] for key, values in parse_qs(urlsplit(page.url).query).items()}

    problems = []
    page = open_page(browser, server, "desktop", problems)
    page.goto(f"{server}/dashboard?from=2026-11-30&to=2026-12-06")
    period = page.locator("#f-period")
    assert period.locator("option:checked").inner_text() == "Custom (From – To)"
    period.select_option(label="All time")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()
    assert "from" not in sent(page) and "to" not in sent(page)
    assert period.locator("option:checked").inner_text() == "All time"
    period.select_option(label="Last 7 days")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()
    assert sent(page).get("period") == "7d" and "from" not in sent(page)
    # a date typed in makes it a custom period again
    page.fill("#f-from", "2026-11-01")
    page.locator("#f-from").dispatch_event("change")
    assert period.locator("option:checked").inner_text() == "Custom (From – To)"
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()
    assert sent(page).get("from") == "2026-11-01" and "period" not in sent(page)
    assert problems == []
    page.context.close()


@pytest.mark.parametrize("size", ["desktop", "mobile"])
def test_a_phase_outside_the_funnel_in_a_browser(browser, server, api, users, journey, size):
    """Drawn apart below the funnel's steps: axe-clean, no sideways scroll, its own page."""
    from tests.api.test_phase_outside_funnel import add_service, reach_phases

    add_service(api, journey, position=3)
    reach_phases(api, journey)
    problems: list[str] = []
    page = open_page(browser, server, size, problems)
    assert page.locator("ol.map article.phase").count() == 3
    apart = page.locator("ul.outside-funnel article.phase")
    assert apart.count() == 1 and "Klantenservice" in apart.inner_text()
    assert page.locator("ul.outside-funnel .arrow-cell").count() == 0
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {size} width"
    assert serious_violations(page) == []
    apart.locator("h3 a").click()
    page.wait_for_url("**/phases/service**")
    assert "Outside the funnel" in page.locator("[data-note=outside-funnel]").inner_text()
    assert serious_violations(page) == []
    assert problems == []
