"""The reviewer's notice goes out by email (a real SMTP server), once, in their language."""

import email

import pytest

from app.extensions import db
from app.models.review import ModerationEntry
from app.services import review_notices
from tests.channels.helpers import free_port
from tests.reviews.helpers import answer, review_of, set_policy

pytestmark = pytest.mark.smtp


@pytest.fixture
def inbox(smtp_server):
    return smtp_server


def _removed(api, survey, brand, inbox, text="Nice enough.", reason="offensive"):
    """An English reviewer's published review, removed for `reason`: the notice mailed."""
    set_policy(brand, "immediate")
    api.post("/api/v1/customers", json={"external_id": "en1", "email": "en1@example.com"})
    review = review_of(answer(api, survey, customer="en1", locale="en", text=text))
    body = {"action": "remove", "reason": reason}
    assert api.post(f"/api/v1/reviews/{review.id}/moderation", json=body).status_code == 200
    [message] = inbox.messages
    return message


def test_removal_notice_is_mailed_once_in_the_reviewers_language(api, survey, brand, inbox):
    raw = _removed(api, survey, brand, inbox)
    message = email.message_from_bytes(raw) if isinstance(raw, bytes) else raw
    assert message["To"] == "en1@example.com"
    assert message["Subject"] == "Your review of Testbad was removed"
    text = message.get_payload(decode=True).decode()
    assert "offensive or discriminatory" in text and "/reviews/testbad/about" in text
    entry = db.session.query(ModerationEntry).filter_by(action="remove").one()
    db.session.refresh(entry)
    assert entry.notice["status"] == "sent"
    assert review_notices.send_notice(entry.id) is False  # a retry sends nothing twice
    assert len(inbox.messages) == 1


def test_a_review_removed_for_personal_data_is_not_quoted_back(api, survey, brand, inbox):
    """The notice names the review by its date only: what was removed for holding someone's
    phone number is not mailed again, to a mailbox no erasure reaches."""
    text = "Fitter Jan Jansen, call him on 0612345678, was late and rude to us."
    message = _removed(api, survey, brand, inbox, text, reason="personal_data")
    mailed = message.get_body(("plain",)).get_content()
    assert "0612345678" not in mailed and "Jansen" not in mailed
    assert f"({'written on '}" in mailed and "contains personal data" in mailed


def test_a_brands_reply_address_lets_the_reviewer_reply(api, survey, brand, inbox):
    from app.models import Brand

    db.session.get(Brand, brand.id).reply_to = "reviews@testbad.example"
    db.session.commit()
    message = _removed(api, survey, brand, inbox)
    assert message["Reply-To"] == "reviews@testbad.example"
    assert "Do you disagree? Reply to this message." in message.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    "bonus, said",
    [
        (25, "The 25 points you received for this review have been taken back. "),
        (1, "The 1 point you received for this review has been taken back. "),
        (0, None),  # nothing earned, nothing said
    ],
)
def test_a_removal_notice_says_the_review_bonus_was_taken_back(
    api, survey, brand, inbox, bonus, said
):
    """The balance on the loyalty page drops by the bonus; the notice says why."""
    assert api.put("/api/v1/loyalty/policy", json={"review_bonus": bonus}).status_code == 200
    mailed = _removed(api, survey, brand, inbox).get_body(("plain",)).get_content()
    if said:
        assert f"offensive or discriminatory. {said}We only remove" in mailed
    else:
        assert "taken back" not in mailed and "discriminatory. We only remove" in mailed


def test_a_shortened_review_ends_in_one_ellipsis(api, survey, brand, inbox):
    text = "The tiles were damaged. The fitter came late. Nobody called us back about it."
    mailed = _removed(api, survey, brand, inbox, text).get_body(("plain",)).get_content()
    assert "“The tiles were damaged. The fitter came late. Nobody called…”" in mailed


@pytest.mark.postgres
def test_a_notice_mailed_while_the_reviewer_is_erased_is_blanked_too(
    app, api, survey, brand, monkeypatch
):
    """The job wrote the notice (whose SMTP error can hold the address) back onto the log
    line after the erasure had blanked it."""
    import threading

    from app.extensions import queue
    from app.models import Brand
    from app.services import mailer, privacy
    from tests.conftest import wait_for_lock_waits

    set_policy(brand, "immediate")
    api.post("/api/v1/customers", json={"external_id": "en1", "email": "en1@example.com"})
    review = review_of(answer(api, survey, customer="en1", locale="en", text="Nice enough."))
    monkeypatch.setattr(queue, "enqueue", lambda *args, **kwargs: True)  # mailed below
    body = {"action": "remove", "reason": "offensive"}
    assert api.post(f"/api/v1/reviews/{review.id}/moderation", json=body).status_code == 200
    entry_id = db.session.query(ModerationEntry.id).filter_by(action="remove").scalar()
    brand_id, sending, go = brand.id, threading.Event(), threading.Event()
    db.session.commit()

    def slow_mail(*_args):
        sending.set()
        go.wait(10)

    monkeypatch.setattr(mailer, "send_mail", slow_mail)

    def in_context(work):
        def run():
            with app.app_context():
                work()
                db.session.remove()

        return threading.Thread(target=run)

    job = in_context(lambda: review_notices.send_notice(entry_id))
    erasure = in_context(lambda: privacy.erase(db.session.get(Brand, brand_id), "en1", "test"))
    job.start()
    assert sending.wait(10)
    erasure.start()
    wait_for_lock_waits(db.engine, seconds=2)  # it waits for the line (without the lock: not)
    go.set()
    job.join(30)
    erasure.join(30)
    db.session.expire_all()
    assert db.session.get(ModerationEntry, entry_id).notice is None


def test_the_sweep_sends_notices_left_behind_once(app, api, survey, brand, inbox, monkeypatch):
    """SMTP down when the moderator decided (or the job lost with Redis): the notice stays
    unsent until `flask review sweep` finds it; one sent meanwhile is not sent again."""
    from app.channels_cli import review_sweep

    set_policy(brand, "moderate")
    api.post("/api/v1/customers", json={"external_id": "nl1", "email": "nl1@example.com"})
    first = review_of(answer(api, survey, customer="nl1", text="Prima geholpen."))
    second = review_of(answer(api, survey, customer="nl1", text="Netjes en op tijd."))
    inbox_port = app.config["SMTP_PORT"]
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nobody listens: refused
    for review in (first, second):
        body = {"action": "reject", "reason": "spam"}
        assert api.post(f"/api/v1/reviews/{review.id}/moderation", json=body).status_code == 200
    entries = db.session.query(ModerationEntry).filter_by(action="reject").all()
    for entry in entries:
        db.session.refresh(entry)
        assert entry.notice["status"] == "failed"
    assert sorted(review_notices.waiting_ids()) == sorted(entry.id for entry in entries)
    down = app.test_cli_runner().invoke(review_sweep)  # still down: both wait, and it says so
    assert "SMTP unreachable: 2 notices left for the next sweep" in down.output, down.output
    assert "handled 0 of 2 notices" in down.output
    monkeypatch.setitem(app.config, "SMTP_PORT", inbox_port)
    result = app.test_cli_runner().invoke(review_sweep)
    assert "handled 2 of 2 notices" in result.output, result.output
    assert len(inbox.messages) == 2
    assert review_notices.waiting_ids() == []
    again = app.test_cli_runner().invoke(review_sweep)
    assert "nothing waiting" in again.output and len(inbox.messages) == 2
