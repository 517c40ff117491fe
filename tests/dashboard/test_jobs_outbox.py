"""The Jobs page says what is waiting to go out, per kind, and since when: "why did my email
not go?" answered without a shell. Another brand's waiting rows are not counted."""

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db as _db
from app.models import Invitation, User, WebhookDelivery
from app.models.base import utcnow
from app.services import alerts, outbox, webhooks, weekly_report
from tests.conftest import brand_with_survey
from tests.dashboard.conftest import answer


def test_nothing_waiting_says_so(dash):
    html = dash.html("/dashboard/jobs")
    assert "Waiting to go out" in html and "Nothing: every email and webhook" in html
    assert "DUE_LOOK_SECONDS</code> (off)" in html  # the test app looks never


def test_each_kind_waiting_is_counted_with_its_oldest(dash, api, brand, survey, users, monkeypatch):
    monkeypatch.setattr(alerts, "enqueue", lambda pairs: 0)  # Redis down: alerts wait
    # no mail server answers in the tests: the invitation stays queued
    api.post("/api/v1/customers", json={"external_id": "k1", "email": "k1@example.nl"})
    invited = api.post("/api/v1/invitations", json={"customer": "k1", "survey_id": survey["id"]})
    assert invited.status_code == 202 and invited.json["status"] == "queued"
    invitation = _db.session.get(Invitation, invited.json["id"])
    invitation.queued_at = utcnow() - timedelta(hours=3)
    users["owner"].alerts_on = users["owner"].weekly_report_on = True
    _db.session.commit()
    answer(api, survey, 1)  # a detractor: an alert for the owner
    weekly_report.make_due()
    endpoint = webhooks.create_endpoint(
        brand, {"url": "https://example.nl/hook", "events": ["response.processed"]}
    )
    _db.session.add(
        WebhookDelivery(
            brand_id=brand.id,
            endpoint_id=endpoint.id,
            message_id=WebhookDelivery.new_message_id(),
            event="response.processed",
            payload={},
        )
    )
    _db.session.commit()
    # another brand's waiting rows stay out
    other, _key, _journey, _survey = brand_with_survey("Ander", "ander")
    other_user = User(brand=other, email="ander@example.nl", role="owner")
    other_user.password_hash, other_user.weekly_report_on = "x", True
    _db.session.add(other_user)
    _db.session.commit()
    weekly_report.make_due()

    found = {row["kind"]: row for row in outbox.waiting(brand)}
    assert {kind: row["count"] for kind, row in found.items()} == {
        "invitations queued": 1,
        "follow-up alerts": 1,
        "weekly reports": 1,
        "webhook deliveries": 1,
    }
    assert found["invitations queued"]["since"] == invitation.queued_at
    html = dash.html("/dashboard/jobs")
    assert '<th scope="row">Invitations queued</th><td>1</td>' in html
    assert '<th scope="row">Weekly reports</th><td>1</td>' in html


def test_scheduled_invitations_and_reminders_count_once_due(api, brand, survey, db):
    api.post("/api/v1/customers", json={"external_id": "k1", "email": "k1@example.nl"})
    invited = api.post("/api/v1/invitations", json={"customer": "k1", "survey_id": survey["id"]})
    invitation = db.session.get(Invitation, invited.json["id"])
    invitation.status, invitation.queued_at = "scheduled", utcnow() + timedelta(hours=2)
    invitation.remind_at = utcnow() + timedelta(days=1)
    db.session.commit()
    assert outbox.waiting(brand) == []  # not due yet
    later = utcnow() + timedelta(days=2)
    kinds = [row["kind"] for row in outbox.waiting(brand, later)]
    assert kinds == ["scheduled invitations due", "reminders due"]


def test_a_large_backlog_reads_capped(api, brand, survey, db, monkeypatch):
    monkeypatch.setattr(outbox, "CAP", 2)
    for n in range(3):
        api.post("/api/v1/customers", json={"external_id": f"k{n}", "email": f"k{n}@example.nl"})
        api.post("/api/v1/invitations", json={"customer": f"k{n}", "survey_id": survey["id"]})
    oldest = db.session.scalars(select(Invitation.created_at).order_by(Invitation.id)).first()
    [row] = outbox.waiting(brand)
    assert (row["count"], row["capped"], row["since"]) == (2, True, oldest)
