"""What the mailer does with addresses a relay may not take as written, with a full mailbox,
and with a server that answers too slowly: checked against a real SMTP server (aiosmtpd)."""

import asyncio
import time

import pytest

from app.services import mailer
from tests.channels.helpers import Inbox, Refusing

pytestmark = pytest.mark.smtp


def _send(to: str) -> None:
    mailer.send(mailer.compose(to, "Hoe was het?", "Tekst"))


def test_a_unicode_domain_goes_out_in_its_ascii_form(app, mail_server):
    inbox = mail_server(Inbox(), enable_SMTPUTF8=False)
    with app.app_context():
        _send("eva@bücher.de")
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["eva@xn--bcher-kva.de"]
    assert inbox.messages[0]["To"] == "eva@xn--bcher-kva.de"


@pytest.mark.parametrize(
    "address", ["anna@example.nl", "a+b@sub.example.nl", "x@" + "ü" * 70 + ".de"]
)
def test_ascii_domain_leaves_what_it_cannot_or_need_not_change(address):
    assert mailer.ascii_domain(address) == address


def test_unicode_before_the_at_fails_for_good_where_the_server_has_no_smtputf8(app, mail_server):
    inbox = mail_server(Inbox(), enable_SMTPUTF8=False)
    with app.app_context(), pytest.raises(mailer.PermanentMailError) as refused:
        _send("jöhn@example.nl")
    assert str(refused.value).startswith("SMTPNotSupportedError: ")
    assert "jöhn" not in str(refused.value)
    assert inbox.envelopes == []


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [
        ("552 5.2.2 mailbox full", False),  # RFC 5321 4.5.3.1.10: take it as 452
        ("452 4.2.2 mailbox full", False),
        ("550 5.1.1 mailbox unknown", True),
        ("553 5.1.3 bad address", True),
    ],
)
def test_a_full_mailbox_is_tried_again_an_unknown_one_is_not(app, mail_server, reply, permanent):
    mail_server(Refusing(reply))
    with app.app_context(), pytest.raises(mailer.MailError) as refused:
        _send("anna@example.nl")
    assert refused.value.permanent is permanent
    assert str(refused.value).startswith(reply.split(" ")[0])


class SlowReply(Inbox):
    """Takes `final` seconds to answer the message itself."""

    def __init__(self, final: float = 0.0):
        super().__init__()
        self.final = final

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        await asyncio.sleep(self.final)
        return await super().handle_DATA(server, session, envelope)


class Tarpit(SlowReply):
    """Answers every step before the message, slowly: each within smtplib's per-read timeout."""

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        await asyncio.sleep(0.7)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        await asyncio.sleep(0.7)
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_smtp_timeout_bounds_the_whole_conversation(app, mail_server, monkeypatch):
    mail_server(Tarpit())
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 1)  # MAIL and RCPT 0.7 s each: 1.4 s
    started = time.monotonic()
    with app.app_context(), pytest.raises(mailer.MailError) as late:
        _send("anna@example.nl")
    assert time.monotonic() - started < 1.4
    assert str(late.value) == (
        "TimeoutError: the SMTP conversation took longer than SMTP_TIMEOUT (1 s)"
    )
    assert late.value.unreachable and not late.value.permanent


def test_a_server_that_answers_in_time_is_not_cut_short(app, mail_server, monkeypatch):
    inbox = mail_server(Tarpit())
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 5)
    with app.app_context():
        _send("anna@example.nl")
    assert len(inbox.envelopes) == 1


def test_a_refusal_about_one_address_is_not_an_unreachable_server(app, mail_server):
    mail_server(Refusing("451 4.7.1 greylisted"))
    with app.app_context(), pytest.raises(mailer.MailError) as refused:
        _send("anna@example.nl")
    assert not refused.value.unreachable


def test_the_reply_to_the_message_itself_is_not_cut_short(app, mail_server, monkeypatch):
    """The server may have taken the message when its reply is late: cutting that wait made
    the retry a second copy (RFC 5321 4.5.3.2.6 gives it ten minutes)."""
    inbox = mail_server(SlowReply(final=1.3))
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 1)
    with app.app_context():
        _send("anna@example.nl")
    assert len(inbox.envelopes) == 1


def test_a_greeting_that_never_ends_is_cut_at_smtp_timeout(app, monkeypatch):
    """The connect and the greeting count too: a server that sends "220-" lines slowly for
    ever held the sender as long as it liked."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    stop = threading.Event()

    def drip():
        connection, _ = listener.accept()
        with connection:
            while not stop.is_set():
                try:
                    connection.sendall(b"220-still greeting\r\n")
                except OSError:
                    return
                time.sleep(0.2)

    threading.Thread(target=drip, daemon=True).start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", listener.getsockname()[1])
    monkeypatch.setitem(app.config, "SMTP_TLS", False)
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 1)
    started = time.monotonic()
    try:
        with app.app_context(), pytest.raises(mailer.MailError) as late:
            _send("anna@example.nl")
    finally:
        stop.set()
        listener.close()
    assert time.monotonic() - started < 2
    assert late.value.unreachable and "took longer than SMTP_TIMEOUT" in str(late.value)


@pytest.mark.parametrize(("setting", "value"), [("SMTP_TLS", True), ("SMTP_USER", "phasewise")])
def test_a_server_that_lacks_starttls_or_auth_is_tried_again(
    app, mail_server, monkeypatch, setting, value
):
    """Only a Unicode address fails for good on a server without a feature: STARTTLS or AUTH
    missing for a while (maintenance, a middlebox) must not fail every email at once."""
    mail_server(Inbox())
    monkeypatch.setitem(app.config, setting, value)
    with app.app_context(), pytest.raises(mailer.MailError) as refused:
        _send("anna@example.nl")
    assert not refused.value.permanent
    assert str(refused.value).startswith("SMTPNotSupportedError: ")
