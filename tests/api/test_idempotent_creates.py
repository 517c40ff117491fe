"""POST /journeys, /surveys and /events take an Idempotency-Key, as answers and invitations do:
a client that retries a create after a lost connection or a 503 gets the first row back."""

import pytest

from app.models import ConversionRollup, CustomerPhase, Journey, JourneyEvent, Survey
from tests.conftest import JOURNEY, SURVEY_QUESTIONS, ApiClient, Contenders


def _survey_body(journey_id: int, **changes) -> dict:
    return {
        "journey_id": journey_id,
        "phase": "levering",
        "locale": "nl",
        "questions": SURVEY_QUESTIONS,
    } | changes


def _event_body(journey_id: int, **changes) -> dict:
    return {"customer": "c1", "journey_id": journey_id, "phase": "aankoop"} | changes


def test_a_retried_journey_create_returns_the_first_journey(api, count_rows):
    key = {"Idempotency-Key": "journey-badkamer-1"}
    first = api.post("/api/v1/journeys", json=JOURNEY, headers=key)
    again = api.post("/api/v1/journeys", json=JOURNEY, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert count_rows(Journey) == 1
    # Without a key the second post is refused for its name, not stored as a look-alike.
    assert api.post("/api/v1/journeys", json=JOURNEY).status_code == 409
    assert count_rows(Journey) == 1
    assert api.post("/api/v1/journeys", json={**JOURNEY, "name": "Tweede"}).status_code == 201
    assert count_rows(Journey) == 2


def test_a_retried_survey_create_returns_the_first_survey(api, journey, count_rows):
    key = {"Idempotency-Key": "survey-levering-1"}
    first = api.post("/api/v1/surveys", json=_survey_body(journey["id"]), headers=key)
    again = api.post("/api/v1/surveys", json=_survey_body(journey["id"]), headers=key)
    assert first.status_code == again.status_code == 201, first.json
    assert again.json == first.json
    assert count_rows(Survey) == 1


def test_a_retried_event_is_stored_and_counted_once(api, journey, count_rows, db):
    key = {"Idempotency-Key": "order-1001-aankoop"}
    first = api.post("/api/v1/events", json=_event_body(journey["id"]), headers=key)
    again = api.post("/api/v1/events", json=_event_body(journey["id"]), headers=key)
    assert first.status_code == again.status_code == 201
    # The retry answers as the first try did, first_time included.
    assert again.json == first.json and again.json["first_time"] is True
    assert count_rows(JourneyEvent) == 1 and count_rows(CustomerPhase) == 1
    reached = db.session.query(db.func.sum(ConversionRollup.reached)).scalar()
    assert reached == 1
    later = api.post("/api/v1/events", json=_event_body(journey["id"]))
    assert later.json["first_time"] is False


@pytest.mark.parametrize("path", ["journeys", "surveys", "events"])
def test_a_key_used_for_another_request_or_of_a_bad_length_stores_nothing(
    api, journey, count_rows, path
):
    bodies = {
        "journeys": ({**JOURNEY, "name": "Badkamer 2"}, {**JOURNEY, "name": "Keuken"}),
        "surveys": (_survey_body(journey["id"]), _survey_body(journey["id"], locale="en")),
        "events": (_event_body(journey["id"]), _event_body(journey["id"], value=12.5)),
    }
    model = {"journeys": Journey, "surveys": Survey, "events": JourneyEvent}[path]
    first, other = bodies[path]
    before = count_rows(model)
    stored = api.post(f"/api/v1/{path}", json=first, headers={"Idempotency-Key": "k-1"})
    assert stored.status_code == 201, stored.json
    conflict = api.post(f"/api/v1/{path}", json=other, headers={"Idempotency-Key": "k-1"})
    assert conflict.status_code == 409
    assert conflict.json["error"]["code"] == "idempotency_conflict"
    for bad in ("k" * 129, ""):
        refused = api.post(f"/api/v1/{path}", json=other, headers={"Idempotency-Key": bad})
        assert refused.status_code == 422, bad
        assert refused.json["error"]["fields"] == {"Idempotency-Key": ["1-128 characters"]}
    assert count_rows(model) == before + 1


def test_a_key_is_the_brands_own(api, client, journey, other_brand, count_rows):
    """Another brand's client may use the same key: it names its own create, not ours."""
    key = {"Idempotency-Key": "journey-1"}
    ours = api.post("/api/v1/journeys", json={**JOURNEY, "name": "Onze reis"}, headers=key)
    theirs = ApiClient(client, other_brand["key"]).post(
        "/api/v1/journeys", json={**JOURNEY, "name": "Hun reis"}, headers=key
    )
    assert ours.status_code == theirs.status_code == 201
    assert theirs.json["id"] != ours.json["id"] and theirs.json["name"] == "Hun reis"


@pytest.mark.postgres
def test_one_event_key_sent_twice_at_once_stores_one_event(app, api, journey, count_rows, db):
    """Both miss the key, then wait for the customer's lock: the second's INSERT meets the
    unique key, it rolls back (its conversion counting too) and answers with the first."""
    api.post("/api/v1/customers", json={"external_id": "c1"})
    headers = {**api._headers(None), "Idempotency-Key": "order-7"}
    body = _event_body(journey["id"])

    def post():
        return app.test_client().post("/api/v1/events", json=body, headers=headers)

    held = ("SELECT id FROM customer WHERE external_id = 'c1' FOR UPDATE", {})
    with Contenders([post, post], *held) as race:
        pass
    assert sorted(reply.status_code for reply in race.replies) == [201, 201]
    assert len({reply.json["id"] for reply in race.replies}) == 1
    assert {reply.json["first_time"] for reply in race.replies} == {True}
    assert count_rows(JourneyEvent) == 1
    assert db.session.query(db.func.sum(ConversionRollup.reached)).scalar() == 1


@pytest.mark.postgres
def test_one_survey_key_sent_twice_at_once_stores_one_survey(app, api, journey, count_rows):
    headers = {**api._headers(None), "Idempotency-Key": "survey-7"}
    body = _survey_body(journey["id"])

    def post():
        return app.test_client().post("/api/v1/surveys", json=body, headers=headers)

    # Both wait behind a lock on the phase's journey row, then insert one after the other.
    held = ("SELECT id FROM journey WHERE id = :id FOR UPDATE", {"id": journey["id"]})
    with Contenders([post, post], *held) as race:
        pass
    assert sorted(reply.status_code for reply in race.replies) == [201, 201]
    assert len({reply.json["id"] for reply in race.replies}) == 1
    assert count_rows(Survey) == 1
