"""Without workers (make run), the web process looks for due invitations and reminders every
DUE_LOOK_SECONDS: invitations on reach and reminders go out with no cron and no sweep."""

import threading
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
    monkeypatch.setattr(due_looks, "FIRST_LOOK_SECONDS", 0.1)
    stop = due_looks.start(app, 0.2)
    try:
        deadline = time.monotonic() + 10
        while len(smtp_server.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
    assert len(smtp_server.messages) == 2  # the invitation, then its reminder
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).reminded_at is not None


def test_the_first_request_starts_them_and_a_command_does_not(database_uri, monkeypatch):
    """As `make run` does: DUE_LOOK_SECONDS from the environment. A flask command (the demo,
    a migration) serves no request and starts no thread; the server's first request does."""
    from app import create_app
    from tests.conftest import _normalise

    monkeypatch.setattr(due_looks, "FIRST_LOOK_SECONDS", 60)
    uri = _normalise(database_uri)
    made = create_app("test", {"SQLALCHEMY_DATABASE_URI": uri, "DUE_LOOK_SECONDS": 60})
    assert "due_looks" not in made.extensions
    client = made.test_client()
    client.get("/healthz")
    client.get("/healthz")
    stop = made.extensions["due_looks"]
    assert [t.name for t in threading.enumerate()].count("due-looks") >= 1
    stop.set()
    _close(made)


def _close(made) -> None:
    from app.extensions import db

    with made.app_context():
        db.engine.dispose()  # its pool closed now, not by the garbage collector


def test_no_looks_unless_configured_nor_where_workers_look(database_uri):
    from app import create_app
    from tests.conftest import _normalise

    uri = _normalise(database_uri)
    for settings in ({"DUE_LOOK_SECONDS": 0}, {"DUE_LOOK_SECONDS": 60, "REDIS_URL": "redis://x"}):
        made = create_app("test", {"SQLALCHEMY_DATABASE_URI": uri, **settings})
        made.test_client().get("/healthz")
        assert "due_looks" not in made.extensions
        _close(made)
