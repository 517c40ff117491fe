"""GET /journeys/<id>/stats?period=: the dashboard's period presets, not all time."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from app.models import MapRollup, Rollup
from app.schemas.dashboard import PERIODS as DASHBOARD_PERIODS
from tests.conftest import brand_today


def answer(api, survey, nps, **extra):
    body = {"survey_id": survey["id"], "answers": {"nps": nps}, **extra}
    response = api.post("/api/v1/responses", json=body)
    assert response.status_code == 202, response.json


def get_stats(api, journey, query=""):
    response = api.get(f"/api/v1/journeys/{journey['id']}/stats{query}")
    assert response.status_code == 200, response.json
    return response.json


def levering(body):
    return next(phase for phase in body["phases"] if phase["phase"] == "levering")


@pytest.fixture
def old_and_new(db, api, survey):
    """Two detractors answered 40 days ago (moved back in the rollups) and a promoter today."""
    answer(api, survey, 2)
    answer(api, survey, 3)
    long_ago = brand_today() - timedelta(days=40)
    for table in (MapRollup, Rollup):
        db.session.execute(update(table).values(day=long_ago))
    db.session.commit()
    answer(api, survey, 10)


def test_period_30d_counts_the_last_30_days_only(api, journey, old_and_new):
    all_time = levering(get_stats(api, journey))
    assert all_time["nps"]["n"] == 3
    body = get_stats(api, journey, "?period=30d")
    recent = levering(body)
    assert recent["nps"]["n"] == 1 and recent["nps"]["score"] == 100.0
    today = brand_today()
    assert body["filters"] == {
        "period": "30d",
        "from": str(today - timedelta(days=29)),
        "to": str(today),
    }
    assert levering(get_stats(api, journey, "?period=90d"))["nps"]["n"] == 3
    assert levering(get_stats(api, journey, "?period=all"))["nps"]["n"] == 3


def test_period_and_from_or_to_together_are_422(api, journey):
    for query in (
        "?period=30d&from=2026-01-01",
        "?period=7d&to=2026-01-01",
        "?period=all&from=2026-01-01",
    ):
        response = api.get(f"/api/v1/journeys/{journey['id']}/stats{query}")
        assert response.status_code == 422, query
        error = response.json["error"]
        assert error["code"] == "validation_error"
        assert error["fields"]["period"] == ["give period or from/to, not both"]


def test_an_unknown_period_is_422(api, journey):
    response = api.get(f"/api/v1/journeys/{journey['id']}/stats?period=1000y")
    assert response.status_code == 422 and "period" in response.json["error"]["fields"]


def test_the_openapi_documents_period(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/journeys/{journey_id}/stats"]["get"]
    period = next(p for p in operation["parameters"] if p["name"] == "period")
    assert period["schema"]["enum"] == [*DASHBOARD_PERIODS, "all"]
    assert "from/to" in period["description"]
