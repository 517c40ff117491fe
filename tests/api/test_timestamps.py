"""Moments leave as RFC 3339 in UTC with their Z: without it a client reads them as local time."""

from datetime import UTC, datetime

import pytest

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


OVERFLOWING = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]


@pytest.mark.parametrize("moment", OVERFLOWING)
def test_a_moment_utc_cannot_hold_is_422_not_an_overflow(api, journey, count_rows, moment):
    """Year 1 east of Greenwich and 9999 west of it are valid ISO 8601, but not in UTC."""
    from app.models import JourneyEvent

    api.post("/api/v1/customers", json={"external_id": "klant-1"})
    event = {"customer": "klant-1", "journey_id": journey["id"], "phase": "levering"}
    response = api.post("/api/v1/events", json={**event, "occurred_at": moment})
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["occurred_at"]
    assert count_rows(JourneyEvent) == 0
    listed = api.get("/api/v1/responses", query_string={"since": moment})
    assert listed.status_code == 422
    assert list(listed.json["error"]["fields"]) == ["since"]


@pytest.mark.parametrize("moment", OVERFLOWING)
def test_the_feed_refuses_such_a_since_or_cursor_with_400(client, brand, moment):
    feed = f"/feeds/{brand.slug}/reviews.json"
    assert client.get(feed, query_string={"since": moment}).status_code == 400
    assert client.get(feed, query_string={"cursor": f"{moment}_5"}).status_code == 400


def test_an_offset_moment_is_stored_as_utc(api, journey, db):
    from app.models import JourneyEvent

    api.post("/api/v1/customers", json={"external_id": "klant-1"})
    event = {"customer": "klant-1", "journey_id": journey["id"], "phase": "levering"}
    response = api.post(
        "/api/v1/events", json={**event, "occurred_at": "2026-03-01T10:00:00+01:00"}
    )
    assert response.status_code == 201, response.json
    stored = db.session.scalars(db.select(JourneyEvent)).one()
    assert stored.occurred_at == datetime(2026, 3, 1, 9, 0)
    assert response.json["occurred_at"] == "2026-03-01T09:00:00Z"
