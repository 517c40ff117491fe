"""Sending email over SMTP, configured by SMTP_HOST/PORT/USER/PASSWORD/TLS and MAIL_FROM.

SMTP_TLS=true means STARTTLS on a plain port, or implicit TLS when SMTP_PORT is 465. Any
feature may call `compose` and `send`; failures raise MailError so a job can retry, or
PermanentMailError (a MailError) when the server refused the recipient or message for good.
"""

import contextlib
import logging
import re
import smtplib
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import NamedTuple

from flask import current_app

from app.security import keyed_hash
from config import split_mailbox

log = logging.getLogger(__name__)


class MailError(Exception):
    """The SMTP server could not be reached or refused the message. `unreachable`: the server
    did not answer at all (connection refused or lost, out of time), so the next message
    would fare no better; a reply (4xx) was about this message or recipient. `slow`: out of
    time after the conversation had opened, which may be about this message alone."""

    permanent = False

    def __init__(self, *args, unreachable: bool = False, slow: bool = False):
        super().__init__(*args)
        self.unreachable = unreachable
        # Out of time over the message itself, on a conversation that had opened: a server
        # that checks one recipient slowly, or one that stalls for every message.
        self.slow = slow


class PermanentMailError(MailError):
    """A 5xx reply to the recipient or the message: sending it again cannot help."""

    permanent = True


def given_up(error: MailError, since: datetime) -> bool:
    """Whether a message waiting since `since` is failed for good after this error: at once
    for a permanent refusal; for a temporary one (4xx, connection) only once it has waited
    MAIL_RETRY_HOURS. Not after a count of tries: every job of a busy pipeline tries a user's
    pending alerts, so four tries were spent within seconds of an outage, and the sweep, which
    retries what is still waiting, found nothing left to send."""
    return error.permanent or retried_long_enough(since)


def note_fault(row, error: Exception, column: str = "error", since: datetime | None = None) -> str:
    """An outbox row (a follow-up alert, a weekly report, an invitation) whose email could not
    be made at all (a bug, bad data; not the mail server): it keeps the error in `column` and
    is retried, and is failed once MAIL_RETRY_HOURS have passed since `since` (its creation),
    as a temporarily refused one. "retry" or "failed"."""
    row.attempts += 1
    setattr(row, column, f"{type(error).__name__}: {error}"[:300])
    if retried_long_enough(since or row.created_at):
        row.status = "failed"
    return "failed" if row.status == "failed" else "retry"


def retried_long_enough(since: datetime) -> bool:
    """Whether a message waiting since `since` has been tried for MAIL_RETRY_HOURS."""
    hours = float(current_app.config.get("MAIL_RETRY_HOURS", 24))
    return datetime.now(UTC).replace(tzinfo=None) - since >= timedelta(hours=hours)


# An email job hands what it has not tried to a new job after this long (a slow server): far
# from RQ's job timeout (300 s), and a worker asked to stop ends it sooner (send_each).
JOB_SECONDS = 60


class Round(NamedTuple):
    """What send_each did: how many ids it tried, {outcome: how many} of those settled (as
    `one` and `fault` named them; "gone": `one` found nothing to send), the last failure that
    left one waiting (a temporary SMTP one, or the fault of an email that could not be made;
    once the server was unreachable, all it did not try is waiting too), and the ids it did
    not try because its time was up or the worker stops."""

    tried: int
    outcomes: Counter
    error: Exception | None
    left: list[int]
    gave_up: bool  # the server did not answer: all after the ones tried are still waiting


def send_each(
    ids: list[int],
    one: Callable[[int, "Session"], str | None],
    fault: Callable[[int, Exception], str | None],
    seconds: float | None = None,
    what: str = "invitation",
) -> Round:
    """Send the email of each of these outbox rows (invitations, reminders, weekly reports,
    each user's alerts) over one SMTP conversation. `one(id, session)` claims, sends and
    commits one, returning its outcome (None: nothing left to send), or raises MailError when
    the server would not take it (it stays waiting); `fault(id, exception)` notes an email that
    could not be made (a bug or bad data, not the server) and returns its outcome, or None:
    still waiting. A reply about one row (a 4xx) leaves that one waiting and the rest go on; a
    server that does not answer at all ends the round. Within `seconds`, or until the worker
    is asked to stop: the rest are `left` for another job. `what` the ids name, for the log."""
    from app.connections import TRANSIENT
    from app.extensions import queue

    deadline = None if seconds is None else time.monotonic() + seconds
    outcomes: Counter = Counter()
    error = None
    slow = False  # whether the last one ran out of time over its own message
    with Session() as session:
        for position, row_id in enumerate(ids):
            out_of_time = deadline is not None and time.monotonic() >= deadline
            if position and (out_of_time or queue.stopping()):
                return Round(position, outcomes, error, ids[position:], False)
            try:
                outcomes[one(row_id, session) or "gone"] += 1
                slow = False
            except MailError as failure:
                error = failure
                # One message out of time on an open conversation may be about its recipient
                # (a slow check of that address): the next goes on, on a new connection, or
                # that one would hold back its job on every retry. Two in a row: the server.
                if failure.unreachable and not (failure.slow and not slow):
                    return Round(position + 1, outcomes, error, [], True)
                slow = failure.slow
            except TRANSIENT:
                raise  # the database's trouble, or the job's time: the job is retried whole
            except Exception as broken:  # noqa: BLE001 — one bad email, not the round
                from app.extensions import db

                db.session.rollback()
                log.exception("the email of %s %s could not be sent", what, row_id)
                settled = fault(row_id, broken)
                if settled:
                    outcomes[settled] += 1
                else:
                    error = broken
    return Round(len(ids), outcomes, error, [], False)


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
        elif name.lower() == "subject" and value.isascii():
            message.set_raw(name, _folded(name, value))
        else:
            message[name] = value
    return message


def _folded(name: str, value: str, width: int = 78) -> str:
    """An ASCII header folded at spaces with as many words on its first line as fit. Python
    moves a value that fits on a line of its own but not after "Subject: " whole to the next
    line, and readers then show a subject of 70 to 78 characters with a space in front (the
    reminder's: "Badkamerhuis Van Dijk: we horen nog graag hoe het was (…)")."""
    lines, line, room = [], "", width - len(name) - 2
    for word in value.split(" "):
        if line and len(line) + 1 + len(word) > room:
            lines.append(line)
            line, room = word, width - 1
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n ".join(lines)


def _reply(code: int, text: bytes | str, recipient: str = "") -> str:
    """The server's reply, on one line, without the recipient's address: the text is kept
    with the invitation and notice, and shows in worker logs and RQ's failed-job registry,
    which an erasure cannot reach."""
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    if recipient:
        text = re.sub(re.escape(recipient), "<recipient>", text, flags=re.IGNORECASE)
    return f"{code} {one_line(text)}"


class _Deadline:
    """SMTP_TIMEOUT for the whole conversation, from the connect to the message sent, not for
    each read: smtplib's timeout is per socket operation, so a server that answers every step
    slowly (a tarpit, a greeting of endless "220-" lines) held a worker, or a request sending
    inline, for many times the setting. When the time is up the socket is shut down, which
    ends the step waiting on it. The server's reply to the message itself is not cut (see
    _Bounded.data)."""

    def __init__(self, seconds: float):
        self.smtp: smtplib.SMTP | None = None
        self.passed = False
        self.timer = threading.Timer(max(seconds, 0.0), self._cut)
        self.timer.daemon = True

    def _cut(self) -> None:
        self.passed = True
        sock = getattr(self.smtp, "sock", None)
        if sock is not None:
            # socket.socket's own shutdown, not SSLSocket's: that one drops the TLS state
            # first, and a send racing it could go out in plain text
            with contextlib.suppress(OSError):  # closed already
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def __enter__(self):
        self.timer.start()
        return self

    def __exit__(self, *exc_info):
        self.timer.cancel()
        return False


# smtplib's own per-read timeout stays this much longer than the conversation's deadline, so
# that the deadline always ends a stalled step first: it knows whether the conversation had
# opened (one slow recipient) or not (the server), where a read that timed out first would
# pass for a server that does not answer, and end the round over one slow mailbox.
SOCKET_MARGIN = 1.0

# RFC 5321 4.5.3.2.6 gives the reply to the message's final dot ten minutes: the server may
# have taken the message by then, and cutting that wait short makes the retry a second copy.
FINAL_REPLY_SECONDS = 60


class _Bounded:
    """smtplib.SMTP whose deadline stops short of the reply to the message itself."""

    deadline: _Deadline | None = None
    data_started = False  # whether the server may have taken the message (Session.send)

    def data(self, msg):
        self.data_started = True
        if self.deadline is not None:
            self.deadline.timer.cancel()
        if self.sock is not None:
            self.sock.settimeout(max(self.timeout, FINAL_REPLY_SECONDS))
        return super().data(msg)


class _SMTP(_Bounded, smtplib.SMTP):
    pass


class _SMTPSSL(_Bounded, smtplib.SMTP_SSL):
    pass


def _needs_smtputf8(message: EmailMessage) -> bool:
    """Whether an envelope address has Unicode (before the @: ascii_domain took the domain)."""
    addresses = [mail_from()[1], *(a.addr_spec for a in message["To"].addresses)]
    return not all(address.isascii() for address in addresses)


def send(message: EmailMessage) -> None:
    """One message in a conversation of its own."""
    with Session() as session:
        session.send(message)


class Session:
    """One SMTP conversation for many messages (a job's invitations): the connect, STARTTLS
    and login are paid once, not per message, and against a provider over TLS they are most
    of a message's time. Each send has SMTP_TIMEOUT from its start (the connect included, for
    the send that opens the conversation) to its DATA. A reply about one message leaves the
    conversation open for the next, its transaction reset; any other failure closes it, and
    the next send opens a new one. A conversation the server ended before a send reached DATA
    (idle too long, or a cap on messages per connection: 421) is opened again once for that
    message: the server took nothing of it."""

    def __init__(self):
        config = current_app.config
        self.host, self.port = config["SMTP_HOST"], int(config["SMTP_PORT"])
        self.timeout = config.get("SMTP_TIMEOUT", 15)
        self.tls = bool(config.get("SMTP_TLS"))
        self.smtp: _Bounded | None = None
        self.deadline: _Deadline | None = None
        self.opened = False

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def send(self, message: EmailMessage) -> None:
        recipient = message["To"].addresses[0].addr_spec if message["To"] else ""
        may_reopen = self.smtp is not None
        while True:
            try:
                self._converse(message)
                return
            # "from None": the smtplib error holds the address (SMTPRecipientsRefused is a
            # dict by address), and a chained traceback would print it into the worker's log.
            except (smtplib.SMTPException, OSError, ValueError) as error:
                ended_before_data = self._ended_before_data()
                self._drop_unless_usable(error)
                if may_reopen and ended_before_data:
                    may_reopen = False
                    continue
                raise self._mail_error(error, recipient) from None

    def close(self) -> None:
        """QUIT, within SMTP_TIMEOUT: a server slow to say goodbye holds nobody."""
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        if smtp.sock is not None:
            deadline = _Deadline(self.timeout)
            deadline.smtp, smtp.deadline = smtp, deadline
            with deadline, contextlib.suppress(smtplib.SMTPException, OSError, ValueError):
                smtp.quit()
        smtp.close()

    def _converse(self, message: EmailMessage) -> None:
        self.deadline = deadline = _Deadline(self.timeout)
        self.opened = False  # until the conversation is open for this message
        with deadline:
            if self.smtp is None:
                self._open(deadline)
            else:
                deadline.smtp, self.smtp.deadline = self.smtp, deadline
                # The last message's DATA raised it to FINAL_REPLY_SECONDS (_Bounded.data).
                self.smtp.sock.settimeout(self.timeout + SOCKET_MARGIN)
            self.smtp.data_started = False
            self.opened = True
            if _needs_smtputf8(message) and not self.smtp.has_extn("smtputf8"):
                # Unicode before the @ and a server without SMTPUTF8: no retry can deliver it
                # through this server. (Other features the server lacks, STARTTLS or AUTH,
                # may come back: those are retried.)
                raise PermanentMailError(
                    "SMTPNotSupportedError: the address needs SMTPUTF8, which the server lacks"
                )
            self.smtp.send_message(message)

    def _open(self, deadline: "_Deadline") -> None:
        if self.tls and self.port == 465:
            smtp = _SMTPSSL(timeout=self.timeout, context=ssl.create_default_context())
        else:
            smtp = _SMTP(timeout=self.timeout)
        deadline.smtp, smtp.deadline = smtp, deadline
        # The name TLS checks the certificate against (STARTTLS and port 465): smtplib keeps
        # it from its constructor, which connected at once, out of the deadline's reach.
        smtp._host = self.host
        self.smtp = smtp  # before the connect, so that a failure closes its socket
        # The connect itself (and port 465's handshake) has no socket for the deadline to cut
        # yet: its own timeout is SMTP_TIMEOUT. Every read after it gets the margin.
        smtp.connect(self.host, self.port)
        smtp.sock.settimeout(self.timeout + SOCKET_MARGIN)
        if self.tls and self.port != 465:
            smtp.starttls(context=ssl.create_default_context())
        if current_app.config.get("SMTP_USER"):
            smtp.login(
                current_app.config["SMTP_USER"], current_app.config.get("SMTP_PASSWORD") or ""
            )
        smtp.ehlo_or_helo_if_needed()

    def _ended_before_data(self) -> bool:
        """smtplib closes the socket when the server hangs up or says 421; before DATA
        nothing of the message was taken, so it may be sent again on a new connection."""
        smtp = self.smtp
        return (
            smtp is not None
            and smtp.sock is None
            and not smtp.data_started
            and not self.deadline.passed
        )

    def _drop_unless_usable(self, error: Exception) -> None:
        """Keep the conversation after a reply about this message; close it after anything
        else, which may have left it half-way."""
        usable = (
            isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError)
            and self.smtp is not None
            and self.smtp.sock is not None
            and not self.deadline.passed
        )
        # smtplib resets the transaction after refused recipients and a refused message, but
        # not when the DATA command itself is refused: the server would take the next MAIL
        # FROM as a nested one (503) and fail an innocent message.
        if usable and isinstance(error, smtplib.SMTPDataError):
            usable = self._reset()
        if not usable and self.smtp is not None:
            self.smtp.close()
            self.smtp = None

    def _reset(self) -> bool:
        deadline = _Deadline(self.timeout)
        deadline.smtp, self.smtp.deadline = self.smtp, deadline
        with deadline:
            try:
                return self.smtp.rset()[0] == 250
            except (smtplib.SMTPException, OSError, ValueError):
                return False

    def _mail_error(self, error: Exception, recipient: str) -> MailError:
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            # Every recipient refused (a message here has one). 4xx: try later; 5xx: never,
            # but for 552 at RCPT, which RFC 5321 (4.5.3.1.10) says to take as 452: a full
            # mailbox, which may have room tomorrow.
            replies = list(error.recipients.values())
            reason = "; ".join(_reply(code, text, recipient) for code, text in replies)
            permanent = bool(replies) and all(code >= 500 and code != 552 for code, _ in replies)
            return (PermanentMailError if permanent else MailError)(reason)
        if isinstance(error, smtplib.SMTPDataError):  # the message itself refused, after DATA
            kind = PermanentMailError if error.smtp_code >= 500 else MailError
            return kind(_reply(error.smtp_code, error.smtp_error, recipient))
        # Sender refused, login failed, connection lost: the server or our setup, not this
        # recipient; retried. (ValueError: an SSL socket the deadline shut mid-read.)
        if self.deadline is not None and self.deadline.passed:
            return MailError(
                "TimeoutError: the SMTP conversation took longer than SMTP_TIMEOUT "
                f"({self.timeout} s)",
                unreachable=True,
                slow=self.opened,
            )
        text = _reply(0, str(error), recipient).removeprefix("0 ")
        # No answer at all, or one that says the service is going away (421, a greeting
        # other than 220): the next message would fare no better.
        code = getattr(error, "smtp_code", None)
        unreachable = (
            isinstance(error, OSError | smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError)
            or code == 421
        )
        return MailError(f"{type(error).__name__}: {text}", unreachable=unreachable)


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
