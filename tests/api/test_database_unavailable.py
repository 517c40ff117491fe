"""The database's trouble (a restart, a lost connection, a deadlock PostgreSQL broke by failing
the request's transaction) is a 503 to retry shortly, on every route, not a 500."""

import pytest
from sqlalchemy.exc import OperationalError

from app.services import journey_map, stats
from tests.dashboard.conftest import PASSWORD_HASH, Dashboard


def _lost(*args, **kwargs):
    raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))


def test_the_api_answers_503_unavailable_with_retry_after(api, journey, monkeypatch):
    monkeypatch.setattr(stats, "journey_stats", _lost)
    response = api.get(f"/api/v1/journeys/{journey['id']}/stats")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json["error"]["code"] == "unavailable"
    assert "try again" in response.json["error"]["message"]
    monkeypatch.undo()
    assert api.get(f"/api/v1/journeys/{journey['id']}/stats").status_code == 200  # recovered


@pytest.mark.parametrize("error", [OperationalError, ValueError])
def test_a_dashboard_page_says_try_again_only_for_the_database(
    app, client, brand, journey, db, monkeypatch, error
):
    from app.models import User

    db.session.add(
        User(brand=brand, email="o@u.example", role="owner", password_hash=PASSWORD_HASH)
    )
    db.session.commit()
    dashboard = Dashboard(client)
    assert dashboard.login("o@u.example").status_code == 302

    def fail(*args, **kwargs):
        if error is OperationalError:
            _lost()
        raise error("a bug")

    monkeypatch.setattr(journey_map, "build", fail)
    response = dashboard.get("/dashboard")
    assert response.status_code == (503 if error is OperationalError else 500)
    assert response.mimetype == "text/html"
