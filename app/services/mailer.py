"""Sending email over SMTP, configured by SMTP_HOST/PORT/USER/PASSWORD/TLS and MAIL_FROM.

SMTP_TLS=true means STARTTLS on a plain port, or implicit TLS when SMTP_PORT is 465. Any
feature may call `compose` and `send`; failures raise MailError so a job can retry, or
PermanentMailError (a MailError) when the server refused the recipient or message for good.
"""

import contextlib
import re
import smtplib
import socket
import ssl
import threading
import time
from datetime import UTC, datetime, timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app

from app.security import keyed_hash
from config import split_mailbox


class MailError(Exception):
    """The SMTP server could not be reached or refused the message. `unreachable`: the server
    did not answer at all (connection refused or lost, out of time), so the next message
    would fare no better; a reply (4xx) was about this message or recipient."""

    permanent = False

    def __init__(self, *args, unreachable: bool = False):
        super().__init__(*args)
        self.unreachable = unreachable


class PermanentMailError(MailError):
    """A 5xx reply to the recipient or the message: sending it again cannot help."""

    permanent = True


def given_up(error: MailError, since: datetime) -> bool:
    """Whether a message waiting since `since` is failed for good after this error: at once
    for a permanent refusal; for a temporary one (4xx, connection) only once it has waited
    MAIL_RETRY_HOURS. Not after a count of tries: every job of a busy pipeline tries a user's
    pending alerts, so four tries were spent within seconds of an outage, and the sweep, which
    retries what is still waiting, found nothing left to send."""
    if error.permanent:
        return True
    hours = float(current_app.config.get("MAIL_RETRY_HOURS", 24))
    return datetime.now(UTC).replace(tzinfo=None) - since >= timedelta(hours=hours)


def one_line(value: str) -> str:
    """Free text (a brand name) fit for a header: no line breaks, single spaces."""
    return " ".join(str(value).split())


def ascii_domain(address: str) -> str:
    """The address with its domain in IDNA's ASCII form ("eva@bücher.de" →
    "eva@xn--bcher-kva.de"), which every relay takes; a raw Unicode domain needs the
    server's SMTPUTF8, which many relays do not offer, and the message would wait for a day of
    retries that cannot succeed. A local part in Unicode has no such form: it still needs
    SMTPUTF8 (send() fails it for good where the server lacks it)."""
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:  # no valid IDN (a label too long): the server's reply will say
        return address


def mail_from() -> tuple[str, str]:
    """MAIL_FROM as (display name, address)."""
    name, address = split_mailbox(current_app.config["MAIL_FROM"])
    return one_line(name), address


def domain() -> str:
    return mail_from()[1].rpartition("@")[2] or "phasewise.local"


def sender(display_name: str | None = None) -> Address:
    """The From header: MAIL_FROM's address under `display_name` (a brand's name).

    An Address, which the header quotes or encodes whole, so a comma, quote or "Ö" stays one
    display name. (formataddr's string does not survive: the header decodes its encoded word
    and writes the comma back bare, and "Ö & Zn, Utrecht" becomes two mailboxes.)"""
    name, address = mail_from()
    if display_name is not None and one_line(display_name):
        name = one_line(display_name)
    return Address(display_name=name, addr_spec=address)


def message_id(kind: str, row_id: int, created_at: datetime) -> str:
    """The same for every send of one row (an invitation, a notice): a resend after a worker
    died between the server's accept and our commit carries the Message-ID the receiver
    already has, so it can drop the copy. The keyed tag keeps two installations (or a reset
    database) that reuse an id from sharing one."""
    tag = keyed_hash(f"{kind}:{row_id}:{created_at.isoformat()}")[:20]
    return f"<{kind}-{row_id}.{tag}@{domain()}>"


# Headers whose value is one URL in angle brackets, which must reach the receiver as written
# (RFC 2369): the signed unsubscribe link is longer than a 78-character line and has no space
# to fold at, so Python would write it as RFC 2047 encoded words, which no mail provider
# decodes there (Gmail and Yahoo would offer no one-click unsubscribe). They are stored raw,
# and the policy leaves raw headers as they are (one line, within RFC 5322's 998); every other
# header and the body fold and encode at 78 as before.
RAW_HEADERS = {"list-unsubscribe"}
POLICY = policy.default.clone(refold_source="none")


def compose(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: dict | None = None,
) -> EmailMessage:
    """A message with a plain-text part and, when given, an HTML alternative.

    `headers` are added, or replace the defaults (From, Message-ID, Auto-Submitted …)."""
    values = {
        "From": sender(),
        "To": ascii_domain(to),
        "Subject": one_line(subject),
        "Date": format_datetime(datetime.now(UTC)),  # "+0000": "-0000" means "zone unknown"
        "Message-ID": make_msgid(domain=domain()),
        # RFC 3834: no person sent it; auto-responders (out-of-office) must not answer it
        "Auto-Submitted": "auto-generated",
    }
    known = {name.lower(): name for name in values}
    for name, value in (headers or {}).items():
        values[known.get(name.lower(), name)] = value
    message = EmailMessage(policy=POLICY)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    # After the content: set_content drops every Content-* header (Content-Language) set before.
    for name, value in values.items():
        if name.lower() in RAW_HEADERS:
            message.set_raw(name, one_line(value))
        else:
            message[name] = value
    return message


def _reply(code: int, text: bytes | str, recipient: str = "") -> str:
    """The server's reply, on one line, without the recipient's address: the text is kept
    with the invitation and notice, and shows in worker logs and RQ's failed-job registry,
    which an erasure cannot reach."""
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    if recipient:
        text = re.sub(re.escape(recipient), "<recipient>", text, flags=re.IGNORECASE)
    return f"{code} {one_line(text)}"


class _Deadline:
    """SMTP_TIMEOUT for the whole conversation, not for each read: smtplib's timeout is per
    socket operation, so a server that answers every step slowly (a tarpit) held a worker, or
    a request sending inline, for many times the setting. When the time is up the socket is
    shut down, which ends the step waiting on it."""

    def __init__(self, smtp: smtplib.SMTP, seconds: float):
        self.smtp, self.passed = smtp, False
        self.timer = threading.Timer(max(seconds, 0.0), self._cut)
        self.timer.daemon = True

    def _cut(self) -> None:
        self.passed = True
        sock = getattr(self.smtp, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):  # closed already
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self):
        self.timer.start()
        return self

    def __exit__(self, *exc_info):
        self.timer.cancel()
        return False


def send(message: EmailMessage) -> None:
    config = current_app.config
    host, port = config["SMTP_HOST"], int(config["SMTP_PORT"])
    timeout = config.get("SMTP_TIMEOUT", 15)
    use_tls = bool(config.get("SMTP_TLS"))
    recipient = message["To"].addresses[0].addr_spec if message["To"] else ""
    started, deadline = time.monotonic(), None
    try:
        if use_tls and port == 465:
            smtp = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp, _Deadline(smtp, timeout - (time.monotonic() - started)) as deadline:
            if use_tls and port != 465:
                smtp.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
            smtp.send_message(message)
    # "from None": the smtplib error holds the address (SMTPRecipientsRefused is a dict by
    # address), and a chained traceback would print it into the worker's log.
    except smtplib.SMTPRecipientsRefused as error:
        # Every recipient refused (a message here has one). 4xx: try later; 5xx: never,
        # but for 552 at RCPT, which RFC 5321 (4.5.3.1.10) says to take as 452: a full
        # mailbox, which may have room tomorrow.
        replies = list(error.recipients.values())
        reason = "; ".join(_reply(code, text, recipient) for code, text in replies)
        permanent = bool(replies) and all(code >= 500 and code != 552 for code, _ in replies)
        raise (PermanentMailError if permanent else MailError)(reason) from None
    except smtplib.SMTPNotSupportedError as error:
        # An address with Unicode before the @ and a server without SMTPUTF8: no retry can
        # deliver it through this server.
        raise PermanentMailError(f"SMTPNotSupportedError: {_reply(0, str(error))[2:]}") from None
    except smtplib.SMTPDataError as error:  # the message itself refused, after DATA
        kind = PermanentMailError if error.smtp_code >= 500 else MailError
        raise kind(_reply(error.smtp_code, error.smtp_error, recipient)) from None
    except (smtplib.SMTPException, OSError) as error:
        # Sender refused, login failed, connection lost: the server or our setup, not this
        # recipient; retried.
        if deadline is not None and deadline.passed:
            raise MailError(
                f"TimeoutError: the SMTP conversation took longer than SMTP_TIMEOUT ({timeout} s)",
                unreachable=True,
            ) from None
        text = _reply(0, str(error), recipient).removeprefix("0 ")
        unreachable = isinstance(error, OSError | smtplib.SMTPServerDisconnected)
        raise MailError(f"{type(error).__name__}: {text}", unreachable=unreachable) from None


def send_mail(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: dict | None = None,
) -> str:
    """Compose and send; returns the Message-ID."""
    message = compose(to, subject, text, html, headers)
    send(message)
    return message["Message-ID"]
