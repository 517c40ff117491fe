"""Helpers for the collection-channel tests (widget, email, hosted pages)."""

import functools
import re
import socket
import threading
from contextlib import contextmanager
from email import message_from_bytes, policy
from pathlib import Path

from werkzeug.serving import make_server

from bench.chromium import CHROMIUM, CHROMIUM_ARGS

ORIGIN = "https://shop.example"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
        self.envelopes.append(envelope)
        return "250 OK"

    @property
    def messages(self):
        return [message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]


class Greylisting(Inbox):
    """Answers the first message with a 451 (try again later), then takes every message."""

    def __init__(self):
        super().__init__()
        self.refused = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's name
        if not self.refused:
            self.refused.append(envelope)
            return "451 4.7.1 greylisted, try again later"
        return await super().handle_DATA(server, session, envelope)


class Refusing(Inbox):
    """Refuses every recipient with this reply."""

    def __init__(self, reply: str = "550 5.1.1 mailbox unknown"):
        super().__init__()
        self.reply = reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        return self.reply


class Peers(Inbox):
    """Notes which connection (the client's address and port) brought each message."""

    def __init__(self):
        super().__init__()
        self.peers = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's name
        self.peers.append(session.peer)
        return await super().handle_DATA(server, session, envelope)


class RefusesOne(Peers):
    """Refuses this one address with this reply, takes the others."""

    def __init__(self, refused: str, reply: str):
        super().__init__()
        self.refused, self.reply = refused, reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address == self.refused:
            return self.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"


class SlowFor(Peers):
    """Takes 2 s to check these addresses at RCPT (past an SMTP_TIMEOUT of 1); the others at
    once."""

    def __init__(self, *slow: str):
        super().__init__()
        self.slow = set(slow)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        import asyncio

        if address in self.slow:
            await asyncio.sleep(2)
        envelope.rcpt_tos.append(address)
        return "250 OK"


def widget_survey(client, site, origin=ORIGIN, **params):
    query = {"site_key": site["site_key"], "phase": "levering", **params}
    headers = {"Origin": origin} if origin else {}
    return client.get("/w/v1/survey", query_string=query, headers=headers)


def widget_post(client, site, body=None, origin=ORIGIN, content_type="application/json", **kw):
    import json

    payload = {
        "site_key": site["site_key"],
        "survey_id": site["survey_id"],
        "answers": {"nps": 9},
        **(body or {}),
    }
    data = kw.pop("data", None)
    headers = {"Origin": origin} if origin else {}
    headers.update(kw.pop("headers", {}))
    return client.post(
        "/w/v1/responses",
        data=json.dumps(payload) if data is None else data,
        headers={**headers, "Content-Type": content_type},
        **kw,
    )


def assert_error(response, status: int, code: str | None = None):
    assert response.status_code == status, (response.status_code, response.data[:300])
    body = response.get_json()
    assert set(body["error"]) == {"code", "message", "fields"}
    if code:
        assert body["error"]["code"] == code
    return body["error"]


FORM_KEY = re.compile(r'name="form_key" value="([^"]+)"')
SUBMISSION = re.compile(r'name="submission" value="([^"]+)"')


def form_fields(html: str) -> dict:
    """The hidden fields a browser would post back from a hosted survey page."""
    fields = {"form_key": FORM_KEY.search(html).group(1)}
    submission = SUBMISSION.search(html)
    if submission:
        fields["submission"] = submission.group(1)
    survey_id = re.search(r'name="survey_id" value="(\d+)"', html)
    if survey_id:
        fields["survey_id"] = survey_id.group(1)
    return fields


def link_path(url: str) -> str:
    """The path (and query) of an absolute PUBLIC_URL link, for the test client."""
    return re.sub(r"^https?://[^/]+", "", url)


@contextmanager
def chromium():
    """Debian's chromium through Playwright with CHROMIUM_ARGS, closed when the block ends."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@functools.cache
def axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def until(page, expression: str, seconds: float = 10):
    """Wait until `expression` is true in the page, polling from here. Not wait_for_function:
    when its first look finds it false it polls by evaluating the string in the page, which a
    CSP without 'unsafe-eval' (the dashboard's, a shop's) refuses: a flaky EvalError."""
    for _ in range(int(seconds * 20)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"never true: {expression}")


def serious_violations(page) -> list:
    """axe-core's serious and critical violations on the page: (rule, impact, first targets)."""
    page.evaluate(axe_source())  # injected through DevTools: the page's CSP stays strict
    result = page.evaluate("async () => await axe.run()")
    return [
        (violation["id"], violation["impact"], [n["target"] for n in violation["nodes"]][:3])
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


class ThreadedServer:
    def __init__(self, wsgi_app):
        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, wsgi_app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def shop_app(pages: dict[str, str], phasewise_origin, nonce: str, render=lambda body: body):
    """A brand's shop as a WSGI app: serves `pages[path]` under a strict CSP that lets in only
    Phasewise (at `phasewise_origin()`, asked per request: its server starts after this) and
    the page's own nonced tags, as a careful shop would."""

    def serve(environ, start_response):
        body = pages.get(environ["PATH_INFO"])
        if body is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        origin = phasewise_origin()
        csp = (
            "default-src 'none'; "
            f"script-src 'nonce-{nonce}' {origin}; "
            f"style-src 'nonce-{nonce}'; connect-src {origin}; base-uri 'none'"
        )
        start_response(
            "200 OK",
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Security-Policy", csp)],
        )
        return [render(body).encode()]

    return serve
