"""Moments leave as RFC 3339 in UTC with their Z: without it a client reads them as local time."""

from datetime import UTC, datetime

from app.models import Journey
from app.timestamps import iso_utc, json_value


def test_iso_utc_writes_the_z_for_stored_and_aware_moments():
    assert iso_utc(datetime(2026, 1, 2, 3, 4, 5, 6)) == "2026-01-02T03:04:05.000006Z"
    aware = datetime(2026, 1, 2, 4, 4, 5, tzinfo=UTC).astimezone()
    assert iso_utc(aware) == "2026-01-02T04:04:05Z"
    assert iso_utc(None) is None
    assert json_value(datetime(2026, 1, 2).date()) == "2026-01-02"


def test_api_timestamps_carry_the_z_and_read_back_as_stored(api, journey, db):
    stored = db.session.get(Journey, journey["id"]).created_at
    for body in (api.get(f"/api/v1/journeys/{journey['id']}").json, journey):
        assert body["created_at"].endswith("Z")
        parsed = datetime.fromisoformat(body["created_at"])  # Python 3.11 reads the Z
        assert parsed == stored.replace(tzinfo=UTC)


def test_answers_list_and_openapi_agree_on_date_time(api, survey):
    api.post("/api/v1/responses", json={"survey_id": survey["id"], "answers": {"nps": 9}})
    (item,) = api.get("/api/v1/responses").json["items"]
    assert item["created_at"].endswith("Z")
    assert item["processed_at"].endswith("Z")
    spec = api.get("/api/v1/openapi.json").json
    created = spec["components"]["schemas"]["ResponseOut"]["properties"]["created_at"]
    assert created == {"type": "string", "format": "date-time"}
