"""The reviewer hears of the brand's reply: one email (a real SMTP server), in her language and
the brand's form of address, queued after the commit, swept and retried like the moderation
notices; an edited reply does not mail again."""

import pytest

from app.extensions import db
from app.models import Brand, Customer
from app.models.base import utcnow
from app.models.review import ModerationEntry
from app.services import review_notices
from tests.channels.helpers import Greylisting, assert_error, free_port
from tests.reviews.helpers import answer, review_of, set_policy

pytestmark = pytest.mark.smtp

REPLY = "Thank you! We will call you this week about the tiles."


@pytest.fixture
def inbox(smtp_server):
    return smtp_server


def _review(api, survey, brand, locale="en", email="en1@example.com", policy="immediate"):
    """A review by customer c1 (with this address, or none)."""
    set_policy(brand, policy)
    customer = {"external_id": "c1", **({"email": email} if email else {})}
    assert api.post("/api/v1/customers", json=customer).status_code in (200, 201)
    return review_of(
        answer(api, survey, customer="c1", locale=locale, text="The tiles arrived broken.")
    )


def _reply(api, review, body=REPLY):
    return api.post(f"/api/v1/reviews/{review.id}/reply", json={"body": body})


def _reply_entries() -> list[ModerationEntry]:
    db.session.expire_all()
    return db.session.query(ModerationEntry).filter_by(action="reply").order_by("id").all()


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_the_first_reply_is_mailed_once_in_the_reviewers_language(api, survey, brand, inbox):
    review = _review(api, survey, brand)
    assert _reply(api, review).status_code == 200
    [message] = inbox.messages
    assert message["To"] == "en1@example.com"
    assert message["Subject"] == "Testbad replied to your review"
    assert message["Content-Language"] == "en" and message["Reply-To"] is None
    text = _text(message)
    assert "Testbad replied to your review (written on " in text
    assert "“The tiles arrived broken.”" in text and REPLY in text
    assert f"/reviews/testbad/r/{review.id}" in text
    assert text.rstrip().endswith("Want to respond? Please contact Testbad.")
    [entry] = _reply_entries()
    assert entry.notice["status"] == "sent" and entry.notice["sent_at"]
    assert review_notices.send_notice(entry.id) is False  # the job run again: nothing twice
    assert len(inbox.messages) == 1
    shown = api.get(f"/api/v1/reviews/{review.id}").json["moderation"][-1]
    assert shown["action"] == "reply" and shown["notice"]["status"] == "sent"


@pytest.mark.parametrize(
    "formal, subject, ending",
    [
        (
            False,
            "Testbad heeft gereageerd op je review",
            "Wil je reageren? Antwoord op dit bericht.",
        ),
        (
            True,
            "Testbad heeft gereageerd op uw review",
            "Wilt u reageren? Antwoord op dit bericht.",
        ),
    ],
)
def test_dutch_reviewers_are_addressed_as_the_brand_chose(
    api, survey, brand, inbox, formal, subject, ending
):
    stored = db.session.get(Brand, brand.id)
    stored.formal_address, stored.reply_to = formal, "service@testbad.example"
    db.session.commit()
    review = _review(api, survey, brand, locale="nl", email="nl1@example.nl")
    assert _reply(api, review, "Dank u, we bellen deze week.").status_code == 200
    [message] = inbox.messages
    assert message["Subject"] == subject and message["Reply-To"] == "service@testbad.example"
    text = _text(message)
    assert "(geschreven op " in text and "Dank u, we bellen deze week." in text
    assert text.rstrip().endswith(ending)


def test_an_edited_reply_is_not_mailed_again(api, survey, brand, inbox):
    review = _review(api, survey, brand)
    assert _reply(api, review).status_code == 200
    edited = _reply(api, review, "Thank you! We will call you on Monday.")
    assert edited.status_code == 200
    assert edited.json["reply"]["body"] == "Thank you! We will call you on Monday."
    assert len(inbox.messages) == 1
    first, edit = _reply_entries()
    assert first.notice["status"] == "sent" and edit.notice is None
    assert REPLY in _text(inbox.messages[0])  # what was mailed stays what the log shows
    assert REPLY in first.notice["text"]


def test_an_edit_before_the_notice_went_out_is_what_it_quotes(app, api, survey, brand, inbox):
    """SMTP down at the first reply: the sweep mails the reply as it stands by then, once."""
    from app.channels_cli import review_sweep

    review = _review(api, survey, brand)
    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = free_port()  # nobody listens: refused
    try:
        assert _reply(api, review, "Sorry, we will call you tomorow.").status_code == 200
        assert _reply(api, review, "Sorry, we will call you tomorrow.").status_code == 200
        [first, _edit] = _reply_entries()
        assert first.notice["status"] == "failed" and first.notice["attempts"] == 1
    finally:
        app.config["SMTP_PORT"] = port
    result = app.test_cli_runner().invoke(review_sweep)
    assert "handled 1 of 1 notices" in result.output, result.output
    [message] = inbox.messages
    assert "tomorrow." in _text(message) and "tomorow" not in _text(message)
    assert app.test_cli_runner().invoke(review_sweep).output.count("nothing waiting") == 1
    assert len(inbox.messages) == 1


def test_a_retried_job_mails_one_copy(mail_server, api, survey, brand):
    """The server says "try again later": the job fails, RQ (here: the test) runs it again,
    and the reviewer gets one email with the same Message-ID as the first try."""
    greylisting = mail_server(Greylisting())
    review = _review(api, survey, brand)
    assert _reply(api, review).status_code == 200  # inline: the first try, refused
    [entry] = _reply_entries()
    assert entry.notice["status"] == "failed" and len(greylisting.refused) == 1
    assert review_notices.waiting_ids() == [entry.id]
    assert review_notices.send_notice(entry.id) is True
    assert review_notices.send_notice(entry.id) is False
    [message] = greylisting.messages
    assert message["Subject"] == "Testbad replied to your review"
    refused_id = greylisting.refused[0].content.split(b"Message-ID: ")[1].split(b"\r\n")[0]
    assert message["Message-ID"] == refused_id.decode()
    assert review_notices.waiting_ids() == []


def test_a_reply_to_a_review_not_online_yet_links_nowhere(api, survey, brand, inbox):
    review = _review(api, survey, brand, policy="moderate")
    assert review.status == "pending"
    assert _reply(api, review).status_code == 200
    text = _text(inbox.messages[0])
    assert REPLY in text and "Your review is not online yet" in text
    assert "/reviews/testbad/r/" not in text


def test_reviewers_without_an_address_get_nothing(api, survey, brand, inbox):
    """Anonymous (no customer), a customer without an address, one who unsubscribed: the
    notice stays on the log line for the moderator, as the moderation notices do."""
    set_policy(brand, "immediate")
    anonymous = review_of(answer(api, survey, text="Anoniem maar tevreden."))
    assert _reply(api, anonymous).status_code == 200
    no_email = _review(api, survey, brand, email=None)
    assert _reply(api, no_email).status_code == 200
    api.post("/api/v1/customers", json={"external_id": "c2", "email": "c2@example.com"})
    gone = review_of(answer(api, survey, customer="c2", text="Prima, maar duur."))
    db.session.query(Customer).filter_by(external_id="c2").update({"unsubscribed_at": utcnow()})
    db.session.commit()
    assert _reply(api, gone).status_code == 200
    assert inbox.messages == []
    assert [entry.notice["status"] for entry in _reply_entries()] == ["no_address"] * 3
    assert review_notices.waiting_ids() == []


def test_an_erased_reviewer_cannot_be_replied_to_or_mailed(api, survey, brand, inbox):
    review = _review(api, survey, brand)
    assert api.delete("/api/v1/customers/c1").status_code in (200, 202, 204)
    assert_error(_reply(api, review), 409)
    assert inbox.messages == [] and _reply_entries() == []


def test_another_brands_review_is_a_404_and_mails_nobody(
    client, api, survey, brand, other_brand, inbox
):
    review = _review(api, survey, brand)
    headers = {"Authorization": f"Bearer {other_brand['key']}"}
    stranger = client.post(
        f"/api/v1/reviews/{review.id}/reply", json={"body": "Not yours."}, headers=headers
    )
    assert_error(stranger, 404)
    assert inbox.messages == [] and _reply_entries() == []
    assert review_of(review.response_id).reply_body is None


@pytest.mark.parametrize(
    "body, status",
    [({"body": ""}, 422), ({"body": "x" * 2001}, 422), ({}, 422), ({"body": 5}, 422)],
)
def test_bad_replies_are_refused_and_mail_nothing(api, survey, brand, inbox, body, status):
    review = _review(api, survey, brand)
    assert_error(api.post(f"/api/v1/reviews/{review.id}/reply", json=body), status)
    assert inbox.messages == [] and _reply_entries() == []


def test_a_declined_review_gets_no_reply_and_no_mail(api, survey, brand, inbox):
    review = _review(api, survey, brand, policy="moderate")
    decline = {"action": "reject", "reason": "spam"}
    assert api.post(f"/api/v1/reviews/{review.id}/moderation", json=decline).status_code == 200
    assert_error(_reply(api, review), 409, "invalid_state")
    assert [m["Subject"] for m in inbox.messages] == ["Your review of Testbad was not published"]
    assert _reply_entries() == []
