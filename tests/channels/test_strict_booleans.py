"""Booleans from outside are JSON's true and false: 1, 0, "yes" or "on" are a 422 that stores
nothing (marshmallow's Boolean took them all). The dashboard's ticked boxes still work."""

import pytest

from app.models import LoyaltyPolicy, Question, Response, Survey
from tests.channels.helpers import widget_post

NOT_BOOLEANS = [1, 0, "true", "yes", "on", None]


def created_body(journey, question) -> dict:
    return {"journey_id": journey["id"], "phase": "levering", "questions": [question]}


@pytest.mark.parametrize("value", NOT_BOOLEANS)
def test_survey_flags(api, journey, survey, count_rows, value):
    before = count_rows(Survey), count_rows(Question)
    question = {"key": "n", "type": "nps", "text": "?", "required": value}
    created = api.post("/api/v1/surveys", json=created_body(journey, question))
    assert created.status_code == 422
    assert "questions.0.required" in created.json["error"]["fields"]
    flagged = {**created_body(journey, question), "active": value}
    flagged["questions"] = [{**question, "required": True}]
    expected = ["Field may not be null."] if value is None else ["must be true or false"]
    assert api.post("/api/v1/surveys", json=flagged).json["error"]["fields"] == {"active": expected}
    patched = api.patch(f"/api/v1/surveys/{survey['id']}", json={"active": value})
    assert patched.status_code == 422 and "active" in patched.json["error"]["fields"]
    assert (count_rows(Survey), count_rows(Question)) == before


@pytest.mark.parametrize("value", NOT_BOOLEANS)
def test_review_consent(api, client, site, survey, count_rows, value):
    review = {"consent": value, "display_name": "Piet"}
    answer = {"survey_id": survey["id"], "answers": {"nps": 9}, "review": review}
    assert api.post("/api/v1/responses", json=answer).status_code == 422
    assert widget_post(client, site, {"review": review}).status_code == 422
    assert count_rows(Response) == 0


@pytest.mark.parametrize("value", NOT_BOOLEANS)
def test_loyalty_enabled(api, count_rows, value):
    before = api.get("/api/v1/loyalty/policy").json, count_rows(LoyaltyPolicy)
    reply = api.put("/api/v1/loyalty/policy", json={"enabled": value})
    assert reply.status_code == 422 and "enabled" in reply.json["error"]["fields"]
    assert (api.get("/api/v1/loyalty/policy").json, count_rows(LoyaltyPolicy)) == before


def test_true_and_false_still_do(api, journey, survey):
    body = {**created_body(journey, {"key": "n", "type": "nps", "text": "?", "required": True})}
    body["active"] = False
    created = api.post("/api/v1/surveys", json=body)
    assert created.status_code == 201, created.json
    assert created.json["active"] is False and created.json["questions"][0]["required"] is True
