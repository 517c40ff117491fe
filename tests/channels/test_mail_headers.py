"""What receivers and mail clients see of our emails: sender, ids, headers, refusals, layout."""

import logging
import re
from email.headerregistry import Address
from itertools import takewhile

import pytest

import config
from app.errors import AppError
from app.models import Brand, Invitation
from app.models.review import ModerationEntry
from app.services import brands, invitations, mailer, review_notices
from tests.channels.helpers import Refusing
from tests.reviews.helpers import answer, review_of, set_policy

pytestmark = pytest.mark.smtp

MAIL_FROM = "Phasewise, Inc <feedback@mail.badkamer.example>"  # an unquoted comma in the name


def _customer(api, external_id="klant-1", email="anna@example.nl", locale="nl"):
    body = {"external_id": external_id, "email": email, "locale": locale}
    assert api.post("/api/v1/customers", json=body).status_code in (200, 201)


def _invite(api, survey, customer="klant-1"):
    body = {"customer": customer, "survey_id": survey["id"], "channel": "email"}
    response = api.post("/api/v1/invitations", json=body)
    assert response.status_code == 202, response.json
    return response.json["id"]


def _rename(db, brand, name):
    db.session.get(Brand, brand.id).name = name
    db.session.commit()


def _only(addresses) -> Address:
    [address] = addresses
    return address


# --- 2. From: the brand's name at MAIL_FROM's address ---------------------------------------


def test_from_names_the_brand_at_the_configured_address(
    app, api, brand, survey, smtp_server, db, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_FROM", MAIL_FROM)
    _rename(db, brand, 'Badkamer Ö & "Zn", Utrecht')
    _customer(api)
    _invite(api, survey)
    [message] = smtp_server.messages
    sender = _only(message["From"].addresses)
    assert sender.display_name == 'Badkamer Ö & "Zn", Utrecht'
    assert sender.addr_spec == "feedback@mail.badkamer.example"
    assert smtp_server.envelopes[0].mail_from == "feedback@mail.badkamer.example"


def test_a_comma_in_mail_from_stays_one_mailbox(app, monkeypatch):
    from email import message_from_bytes, policy

    monkeypatch.setitem(app.config, "MAIL_FROM", MAIL_FROM)
    with app.app_context():
        raw = mailer.compose("anna@example.nl", "Hallo", "tekst").as_bytes()
    sender = _only(message_from_bytes(raw, policy=policy.default)["From"].addresses)
    assert (sender.display_name, sender.addr_spec) == (
        "Phasewise, Inc",
        "feedback@mail.badkamer.example",
    )


# --- 3. Message-ID, Date, Auto-Submitted, Content-Language -----------------------------------


def test_a_resent_invitation_carries_the_same_message_id(
    app, api, brand, survey, smtp_server, db, monkeypatch
):
    """The worker died after the SMTP server took the message, before our commit: the
    invitation is still queued, is sent again, and the receiver can tell it is the same."""
    monkeypatch.setitem(app.config, "MAIL_FROM", MAIL_FROM)
    brand.contact_policy = {"min_days_between": 0, "max_per_journey": 0, "same_phase_days": 0}
    db.session.commit()
    _customer(api)
    first = _invite(api, survey)
    invitation = db.session.get(Invitation, first)
    invitation.status, invitation.sent_at = "queued", None  # the lost commit
    db.session.commit()
    assert invitations.deliver(first) == "sent"
    other = _invite(api, survey)

    sent, resent, second = smtp_server.messages
    assert sent["Message-ID"] == resent["Message-ID"]
    assert re.fullmatch(
        rf"<invitation-{first}\.[0-9a-f]{{20}}@mail\.badkamer\.example>", sent["Message-ID"]
    )
    assert second["Message-ID"] != sent["Message-ID"]
    assert second["Message-ID"].startswith(f"<invitation-{other}.")
    assert sent["Date"].endswith("+0000")
    assert sent["Auto-Submitted"] == "auto-generated"
    assert sent["Content-Language"] == "nl"


# --- 4. the review notice: which review, and a reply that reaches someone --------------------


REVIEW = "The fitters came on time and left the bathroom cleaner than they found it, thanks"


def _removed_notice(api, survey, brand, db):
    set_policy(brand, "immediate")
    _customer(api, "en1", "en1@example.com", "en")
    review = review_of(answer(api, survey, customer="en1", locale="en", text=REVIEW))
    body = {"action": "remove", "reason": "offensive"}
    assert api.post(f"/api/v1/reviews/{review.id}/moderation", json=body).status_code == 200
    entry = db.session.query(ModerationEntry).filter_by(action="remove").one()
    db.session.refresh(entry)
    return review, entry


def test_a_notice_with_a_reply_address_says_reply_and_names_the_review(
    app, api, survey, brand, smtp_server, db, monkeypatch
):
    from app import timestamps

    monkeypatch.setitem(app.config, "REVIEWS_REPLY_TO", "reviews@badkamer.example")
    review, entry = _removed_notice(api, survey, brand, db)
    [message] = smtp_server.messages
    assert message["Reply-To"] == "reviews@badkamer.example"
    text = message.get_content()
    assert "Reply to this message." in text
    # the day in the brand's time zone: from 23:00 UTC it is the next one in Amsterdam
    assert timestamps.date_text(review.answered_at, "en", brand.time_zone) in text
    assert "“The fitters came on time and left the bathroom cleaner…”" in text
    assert _only(message["From"].addresses).display_name == "Testbad"
    assert message["Message-ID"].startswith(f"<notice-{entry.id}.")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "en"
    assert entry.notice["status"] == "sent"


def test_a_notice_without_a_reply_address_does_not_ask_for_a_reply(
    api, survey, brand, smtp_server, db
):
    _, entry = _removed_notice(api, survey, brand, db)
    [message] = smtp_server.messages
    assert message["Reply-To"] is None
    text = message.get_content()
    assert "Reply to this message" not in text
    assert "Please contact Testbad." in text


# --- 5. control characters in a brand name ---------------------------------------------------


@pytest.mark.parametrize("name", ["Bad\r\nBcc: evil@example.com", "Bad\nZn", "Bad\x00Zn"])
def test_a_brand_name_with_control_characters_is_refused(app, db, name):
    with pytest.raises(AppError) as refused:
        brands.create_brand(name, "bad-zn")
    assert refused.value.code == 422 and "name" in refused.value.fields
    result = app.test_cli_runner().invoke(args=["brand", "create", "--name", name])
    assert result.exit_code != 0
    assert db.session.query(Brand).count() == 0


def test_a_notice_for_a_brand_named_over_two_lines_is_still_mailed(
    api, survey, brand, smtp_server, db
):
    """A name stored before names were checked made the job raise ValueError, queued forever."""
    _rename(db, brand, "Bad\r\nZn")
    _, entry = _removed_notice(api, survey, brand, db)
    assert entry.notice["status"] == "sent"
    [message] = smtp_server.messages
    assert message["Subject"] == "Your review of Bad Zn was removed"
    assert _only(message["From"].addresses).display_name == "Bad Zn"


# --- 6. a permanent refusal (5xx) fails at once; a temporary one (4xx) is retried ------------


@pytest.fixture
def refusing(mail_server):
    return lambda reply: mail_server(Refusing(reply))


def test_a_refused_mailbox_fails_the_invitation_at_once_with_the_reason(api, survey, db, refusing):
    server = refusing("550 5.1.1 <anna@example.nl>: mailbox unknown")
    _customer(api)
    invitation = db.session.get(Invitation, _invite(api, survey))
    assert invitation.status == "failed" and invitation.attempts == 1
    assert invitation.last_error.startswith("550 5.1.1")
    assert "mailbox unknown" in invitation.last_error
    assert invitations.deliver(invitation.id) is None  # nothing left to retry
    assert server.envelopes == []
    shown = api.get(f"/api/v1/invitations/{invitation.id}").json  # where the brand sees why
    assert shown["status"] == "failed" and shown["last_error"] == invitation.last_error


def test_a_temporary_refusal_keeps_the_invitation_queued_for_a_retry(api, survey, db, refusing):
    refusing("450 4.2.0 mailbox busy, try later")
    _customer(api)
    invitation = db.session.get(Invitation, _invite(api, survey))
    assert invitation.status == "queued" and invitation.attempts == 1
    assert invitation.last_error.startswith("450 4.2.0")
    with pytest.raises(mailer.MailError):
        invitations.deliver(invitation.id)
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).attempts == 2


@pytest.mark.parametrize(
    ("reply", "permanent"), [("550 5.1.1 unknown", True), ("451 4.3.0", False)]
)
def test_a_notice_refused_for_good_is_not_retried(
    api, survey, brand, db, refusing, reply, permanent
):
    refusing(reply)
    _, entry = _removed_notice(api, survey, brand, db)
    assert entry.notice["status"] == "failed"
    assert entry.notice.get("permanent", False) is permanent
    if permanent:
        assert review_notices.send_notice(entry.id) is False
    else:
        with pytest.raises(mailer.MailError):
            review_notices.send_notice(entry.id)


# --- 7. the layout Outlook can show, and no dark-mode inversion --------------------------------


def test_score_buttons_are_table_cells_with_whitespace_between(api, survey, smtp_server):
    _customer(api)
    _invite(api, survey)
    html = smtp_server.messages[0].get_body(("html",)).get_content()
    assert "inline-block" not in html  # Outlook ignores a link's padding and margin
    cells = re.findall(r'<td[^>]*bgcolor="[^"]+"[^>]*><a href="[^"]+\?score=(\d+)"', html)
    assert cells == [str(score) for score in range(11)]
    assert len(re.findall(r"</a></td>\s+<td", html)) == 10
    assert '<meta name="color-scheme" content="light only">' in html


# --- 8. what the email promises --------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "untrue", "true"),
    [("nl", "één klik", "verstuur het op de pagina"), ("en", "one click", "send it on the page")],
)
def test_the_email_does_not_promise_a_one_click_answer(
    api, survey, smtp_server, locale, untrue, true
):
    _customer(api, locale=locale)
    _invite(api, survey)
    message = smtp_server.messages[0]
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert untrue not in html.lower() and untrue not in text.lower()
    assert true in html


# --- 9. production needs PUBLIC_URL, and says when mail will look wrong ----------------------


def _production(monkeypatch, **env):
    for name in ("PUBLIC_URL", "MAIL_FROM", "DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    database = "postgresql+psycopg://phasewise@db/phasewise"
    key = "a-production-key-of-forty-characters-0123"
    return config.load("production", {"SECRET_KEY": key, "SQLALCHEMY_DATABASE_URI": database})


def test_production_refuses_to_start_without_public_url(monkeypatch):
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        _production(monkeypatch)


def test_production_warns_about_http_links_and_a_local_sender(monkeypatch, caplog):
    with caplog.at_level(logging.WARNING, logger="config"):
        values = _production(monkeypatch, PUBLIC_URL="http://feedback.example.com/")
    assert values["PUBLIC_URL"] == "http://feedback.example.com"
    warned = " ".join(record.getMessage() for record in caplog.records)
    assert "not https" in warned and "no-reply@phasewise.local" in warned


def test_production_with_https_and_a_real_sender_starts_quietly(monkeypatch, caplog):
    with caplog.at_level(logging.WARNING, logger="config"):
        values = _production(
            monkeypatch, PUBLIC_URL="https://feedback.example.com", MAIL_FROM=MAIL_FROM
        )
    assert values["PUBLIC_URL"] == "https://feedback.example.com"
    assert caplog.records == []


def test_development_keeps_its_local_default(monkeypatch):
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    assert config.load("test")["PUBLIC_URL"] == "http://127.0.0.1:5000"


def test_a_refusal_keeps_no_address_for_the_logs(api, survey, db, refusing, caplog):
    """The reply is kept with the invitation and logged by the worker, where an erasure cannot
    reach: the recipient's address is taken out, and the smtplib error holding it is not
    chained into the traceback."""
    refusing("451 4.3.0 greylisted anna@example.nl, try again later")
    _customer(api)
    invitation = db.session.get(Invitation, _invite(api, survey))
    assert invitation.status == "queued"
    assert invitation.last_error == "451 4.3.0 greylisted <recipient>, try again later"
    assert "anna@example.nl" not in caplog.text.lower()


@pytest.mark.parametrize(
    "subject",
    [
        "Badkamerhuis Van Dijk: we horen nog graag hoe het was (Levering & montage)",  # 74
        "Badkamerhuis Van Dijk: " + "een heel lange onderwerpregel " * 5,
        "Kort",
        "Badkamerhuis Van Dijk: hoe was de oriëntatie bij ons? Vertel het ons in één klik",
    ],
)
def test_a_subject_starts_on_its_header_line_and_reads_back_as_written(app, subject):
    """Python moved a subject of 70-78 characters whole onto a second line ("Subject:" then
    a folded line), which readers show with a space in front."""
    from email import message_from_bytes
    from email import policy as email_policy

    with app.app_context():
        message = mailer.compose("klant@example.nl", subject, "tekst")
    raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    lines = raw.split(b"\r\n\r\n")[0].split(b"\r\n")
    start = next(n for n, line in enumerate(lines) if line.startswith(b"Subject:"))
    folded = [lines[start], *takewhile(lambda line: line.startswith(b" "), lines[start + 1 :])]
    assert len(folded[0]) > len("Subject: ") and all(len(line) <= 78 for line in folded)
    assert message_from_bytes(raw, policy=email_policy.default)["Subject"] == subject.strip()
