"""One SMTP conversation for many messages (mailer.Session): what it keeps, what it opens
again, and what it never sends twice. Against a real SMTP server (aiosmtpd)."""

import contextlib
import socket

import pytest

from app.services import mailer
from tests.channels.helpers import Peers, RefusesOne

pytestmark = pytest.mark.smtp


class OneMessagePerConnection(Peers):
    """Says 421 (closing) to a second message on a connection, as providers with a cap on
    messages per connection do."""

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        if getattr(session, "had_one", False):
            return "421 4.7.0 too many messages on this connection"
        session.had_one = True
        envelope.mail_from = address
        return "250 OK"


class HangsUpAfterTheSecondMessage(Peers):
    """Takes a second message, then drops the connection before its reply."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        await super().handle_DATA(server, session, envelope)
        if len(self.envelopes) == 2:
            server.transport.close()
        return "250 OK"


def _message(to: str):
    return mailer.compose(to, "Hoe was het?", "Tekst")


def test_one_conversation_carries_every_message(app, mail_server):
    inbox = mail_server(Peers())
    with app.app_context(), mailer.Session() as session:
        for number in range(4):
            session.send(_message(f"klant{number}@example.nl"))
    assert len(inbox.envelopes) == 4
    assert len(set(inbox.peers)) == 1


@pytest.mark.parametrize(
    ("reply", "permanent"), [("550 5.1.1 mailbox unknown", True), ("451 4.7.1 later", False)]
)
def test_a_refused_recipient_leaves_the_conversation_for_the_next(
    app, mail_server, reply, permanent
):
    inbox = mail_server(RefusesOne("weg@example.nl", reply))
    with app.app_context(), mailer.Session() as session:
        session.send(_message("anna@example.nl"))
        with pytest.raises(mailer.MailError) as refused:
            session.send(_message("weg@example.nl"))
        session.send(_message("bram@example.nl"))
    assert refused.value.permanent is permanent and not refused.value.unreachable
    assert [e.rcpt_tos for e in inbox.envelopes] == [["anna@example.nl"], ["bram@example.nl"]]
    assert len(set(inbox.peers)) == 1


def test_a_conversation_the_server_closed_is_opened_again_for_the_next_message(app, mail_server):
    inbox = mail_server(OneMessagePerConnection())
    with app.app_context(), mailer.Session() as session:
        for number in range(3):
            session.send(_message(f"klant{number}@example.nl"))
    assert [e.rcpt_tos for e in inbox.envelopes] == [[f"klant{n}@example.nl"] for n in range(3)]
    assert len(set(inbox.peers)) == 3  # each once, on a connection of its own


def test_a_connection_lost_while_idle_is_opened_again(app, mail_server):
    inbox = mail_server(Peers())
    with app.app_context(), mailer.Session() as session:
        session.send(_message("anna@example.nl"))
        session.smtp.sock.shutdown(socket.SHUT_RDWR)  # gone while the job built the next email
        session.send(_message("bram@example.nl"))
    assert [e.rcpt_tos for e in inbox.envelopes] == [["anna@example.nl"], ["bram@example.nl"]]


def test_a_message_the_server_may_have_taken_is_not_sent_again(app, mail_server):
    """Lost after DATA: the server may have the message; sending it again could be a second
    copy. It is the job's retry that decides, as for a message on a conversation of its own."""
    inbox = mail_server(HangsUpAfterTheSecondMessage())
    with app.app_context(), mailer.Session() as session:
        session.send(_message("anna@example.nl"))
        with pytest.raises(mailer.MailError) as lost:
            session.send(_message("bram@example.nl"))
    assert lost.value.unreachable
    assert [e.rcpt_tos for e in inbox.envelopes] == [["anna@example.nl"], ["bram@example.nl"]]


def test_nothing_is_sent_on_a_session_that_never_sent(app, mail_server):
    """Opening a session costs nothing: the connection waits for the first message."""
    inbox = mail_server(Peers())
    with app.app_context(), mailer.Session() as session:
        assert session.smtp is None
    assert inbox.envelopes == []


class RefusesTheDataCommand(Peers):
    refused = "weg@example.nl"


def _data_stage_server(handler):
    """aiosmtpd refusing the DATA command itself (before 354) for one recipient, as a
    data-stage policy does (greylisting at DATA, Postfix smtpd_data_restrictions), and
    keeping the transaction open, as RFC 5321 allows: the client must RSET."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    class DataStage(SMTP):
        async def smtp_DATA(self, arg):  # noqa: N802 — aiosmtpd's name
            if self.envelope.rcpt_tos == [handler.refused]:
                await self.push("451 4.7.1 try again later (data stage)")
                return None
            return await super().smtp_DATA(arg)

    class DataStageController(Controller):
        def factory(self):
            return DataStage(self.handler, **self.SMTP_kwargs)

    return DataStageController


def test_a_refused_data_command_leaves_the_conversation_clean_for_the_next(app, monkeypatch):
    """smtplib sends no RSET when the DATA command itself is refused: the next MAIL FROM was
    a nested one (503), and an innocent invitation failed for now."""
    from tests.channels.helpers import free_port

    handler = RefusesTheDataCommand()
    port = free_port()
    controller = _data_stage_server(handler)(handler, hostname="127.0.0.1", port=port)
    controller.start()
    for name, value in (("SMTP_HOST", "127.0.0.1"), ("SMTP_PORT", port), ("SMTP_TLS", False)):
        monkeypatch.setitem(app.config, name, value)
    try:
        with app.app_context(), mailer.Session() as session:
            with pytest.raises(mailer.MailError) as refused:
                session.send(_message("weg@example.nl"))
            session.send(_message("bram@example.nl"))
    finally:
        controller.stop()
    assert str(refused.value).startswith("451 ") and not refused.value.unreachable
    assert [e.rcpt_tos for e in handler.envelopes] == [["bram@example.nl"]]


def test_a_session_leaves_no_timer_threads(app, mail_server):
    import threading
    import time

    mail_server(RefusesOne("weg@example.nl", "451 4.7.1 later"))
    before = threading.active_count()
    with app.app_context(), mailer.Session() as session:
        for number in range(12):
            to = "weg@example.nl" if number % 3 == 0 else f"k{number}@example.nl"
            with contextlib.suppress(mailer.MailError):
                session.send(_message(to))
    time.sleep(0.3)
    assert threading.active_count() <= before
