"""The webhooks page in a real browser: added by keyboard, a test delivered, axe clean."""

import pytest

from tests.channels.helpers import serious_violations
from tests.dashboard.conftest import PASSWORD, SIZES
from tests.webhook_receiver import Receiver

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", ["desktop", "mobile"])
def test_the_webhooks_page_in_a_browser(browser, server, users, size):
    problems: list[str] = []
    context = browser.new_context(viewport=SIZES[size])
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((server, "data:"))
            else problems.append(f"outside request: {request.url}")
        ),
    )
    page.goto(f"{server}/login")
    page.fill("#email", "owner@testbad.example")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url("**/dashboard**")
    with Receiver() as receiver:
        page.goto(f"{server}/dashboard/webhooks")
        assert page.locator("h1").inner_text() == "Webhooks"
        assert serious_violations(page) == []
        page.fill("#webhook-url", receiver.url)
        page.fill("#webhook-description", "CRM <sync>")
        page.locator("label[for=event-1]").click()
        page.focus("#event-2")
        page.keyboard.press("Space")  # a checkbox works by keyboard
        page.get_by_role("button", name="Add webhook").press("Enter")
        page.wait_for_selector("#new-secret")
        assert page.locator("#new-secret").inner_text().startswith("whsec_")
        assert "CRM <sync>" in page.locator("#endpoints tbody").inner_text()
        assert serious_violations(page) == []
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {size} width"
        page.get_by_role("button", name=f"Send test to {receiver.url}").click()
        page.wait_for_selector("text=Test event delivered")
        assert len(receiver.requests) == 1
        assert page.locator("#deliveries tbody tr").count() == 1
        assert serious_violations(page) == []
    context.close()
    assert problems == []
