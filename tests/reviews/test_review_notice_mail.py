"""The reviewer's notice goes out by email (a real SMTP server), once, in their language."""

import email

import pytest

from app.extensions import db
from app.models.review import ModerationEntry
from app.services import review_notices
from tests.channels.helpers import Inbox, free_port
from tests.reviews.helpers import answer, review_of, set_policy

pytestmark = pytest.mark.smtp


@pytest.fixture
def inbox(app, monkeypatch):
    from aiosmtpd.controller import Controller

    box = Inbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    monkeypatch.setitem(app.config, "SMTP_TLS", False)
    monkeypatch.setitem(app.config, "SMTP_USER", None)
    yield box
    controller.stop()


def test_removal_notice_is_mailed_once_in_the_reviewers_language(api, survey, brand, inbox):
    set_policy(brand, "immediate")
    api.post("/api/v1/customers", json={"external_id": "en1", "email": "en1@example.com"})
    review = review_of(answer(api, survey, customer="en1", locale="en", text="Nice enough."))
    body = {"action": "remove", "reason": "offensive"}
    assert api.post(f"/api/v1/reviews/{review.id}/moderation", json=body).status_code == 200
    [raw] = inbox.messages
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
