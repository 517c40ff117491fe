"""The webhooks page in a real browser: added by keyboard, a test delivered, axe clean."""

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import CHROMIUM
from tests.dashboard.conftest import PASSWORD
from tests.webhook_receiver import Receiver

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
SIZES = {"desktop": {"width": 1366, "height": 900}, "mobile": {"width": 390, "height": 844}}


@pytest.fixture
def server(app):
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def serious_violations(page) -> list:
    import axe_playwright_python

    source = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
    page.evaluate(source)  # injected through DevTools: the page's CSP stays strict
    result = page.evaluate("async () => await axe.run()")
    return [
        (violation["id"], [node["target"] for node in violation["nodes"]][:3])
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


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
