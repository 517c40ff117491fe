"""What the mailer does with addresses a relay may not take as written, and with a full
mailbox: checked against a real SMTP server (aiosmtpd) that, as many relays, offers no
SMTPUTF8."""

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
