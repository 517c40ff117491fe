"""Without workers (make run), the web process looks for due invitations and reminders every
DUE_LOOK_SECONDS: invitations on reach and reminders go out with no cron and no sweep."""

import time
from datetime import timedelta

import pytest

from app import due_looks
from app.models import Invitation
from app.models.base import utcnow

pytestmark = pytest.mark.smtp


def test_the_web_process_sends_what_falls_due(app, api, survey, smtp_server, db, monkeypatch):
    assert (
        api.post(
            "/api/v1/customers", json={"external_id": "k1", "email": "k1@example.nl"}
        ).status_code
        == 201
    )
    response = api.patch(f"/api/v1/surveys/{survey['id']}", json={"remind_after_days": 2})
    assert response.status_code == 200, response.json
    invited = api.post("/api/v1/invitations", json={"customer": "k1", "survey_id": survey["id"]})
    assert invited.status_code == 202, invited.json
    invitation = db.session.get(Invitation, invited.json["id"])
    invitation.remind_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    monkeypatch.setitem(app.config, "DUE_LOOK_SECONDS", 0.2)
    monkeypatch.setattr(due_looks, "FIRST_LOOK_SECONDS", 0.1)
    stop = due_looks.init_app(app)
    try:
        deadline = time.monotonic() + 10
        while len(smtp_server.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
    assert len(smtp_server.messages) == 2  # the invitation, then its reminder
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).reminded_at is not None


def test_no_looks_unless_configured(app, monkeypatch):
    monkeypatch.setitem(app.config, "DUE_LOOK_SECONDS", 0)
    assert due_looks.init_app(app) is None


def test_the_factory_starts_them_when_configured(database_uri):
    """As `make run` does: the environment's DUE_LOOK_SECONDS, no app context yet."""
    from app import create_app
    from tests.conftest import _normalise

    uri = _normalise(database_uri)
    made = create_app("test", {"SQLALCHEMY_DATABASE_URI": uri, "DUE_LOOK_SECONDS": 60})
    stop = made.extensions.get("due_looks")
    assert stop is not None
    stop.set()


@pytest.mark.redis
def test_no_looks_where_workers_look(redis_app, monkeypatch):
    monkeypatch.setitem(redis_app.config, "DUE_LOOK_SECONDS", 300)
    with redis_app.app_context():
        assert due_looks.init_app(redis_app) is None
