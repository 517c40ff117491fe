"""Fixtures for the collection-channel tests: a real SMTP server and the widget's site."""

import pytest

from tests.channels.helpers import ORIGIN, Inbox, chromium, free_port


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A real SMTP server on a free port; the app sends to it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    monkeypatch.setitem(app.config, "SMTP_TLS", False)
    monkeypatch.setitem(app.config, "SMTP_USER", None)
    inbox.port = port
    yield inbox
    controller.stop()


@pytest.fixture
def site(brand, survey):
    """The widget's view of the test brand: site key, survey and an allowed origin."""
    return {"site_key": brand.site_key, "survey_id": survey["id"], "origin": ORIGIN}


@pytest.fixture(scope="module")
def browser():
    """One chromium for the module (each test gets its own context: fresh storage)."""
    with chromium() as browser:
        yield browser
