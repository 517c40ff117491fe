"""NUL characters and lone surrogates: PostgreSQL can neither store nor compare them, so every
route refuses them up front (422 naming the field, 404 in a path) and stores nothing."""

import json

import pytest

from app.models import Journey
from app.storable_text import bad_fields

JOURNEY = {"name": "Badkamer", "phases": [{"key": "levering", "name": "Levering"}]}


def test_bad_fields_names_each_string_or_key_that_holds_one():
    data = {"a": "ok", "b": ["x", "y\x00"], "c": {"d": "\ud800", "e\x00": 1}, "f": "😀"}
    assert bad_fields(data) == ["b.1", "c.d", "c"]
    assert bad_fields("a\udfff") == ["_schema"]
    assert bad_fields(None) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**JOURNEY, "name": "Bad\x00kamer"}, "name"),
        ({**JOURNEY, "name": "Bad\ud800kamer"}, "name"),
        ({**JOURNEY, "name": "Bad\u202ekamer"}, "name"),  # a direction override
        (
            {"name": "B", "phases": [{"key": "levering", "name": {"nl": "\udc00"}}]},
            "phases.0.name.nl",
        ),
    ],
)
def test_a_json_body_with_one_is_422_and_stores_nothing(api, count_rows, body, field):
    response = api.post("/api/v1/journeys", json=body)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert list(response.json["error"]["fields"]) == [field]
    assert count_rows(Journey) == 0


def test_escaped_emoji_are_not_mistaken_for_lone_surrogates(api, db):
    body = json.dumps({**JOURNEY, "name": "Badkamer 😀"})  # ensure_ascii: \ud83d\ude00
    assert "\\ud83d" in body
    response = api.client.post(
        "/api/v1/journeys",
        data=body,
        headers={**api._headers(None), "Content-Type": "application/json"},
    )
    assert response.status_code == 201
    assert response.json["name"] == "Badkamer 😀"


def test_a_query_with_one_is_422_and_a_path_with_one_is_404(api, client, brand):
    response = api.get("/api/v1/responses?phase=leve%00ring")
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"phase": [response.json["error"]["message"]]}
    assert client.get("/reviews/a%00b").status_code == 404
    assert client.get(f"/feeds/{brand.slug}/reviews.json?since=2026%00").status_code == 422


@pytest.mark.parametrize(("method", "path"), [("PUT", "/loyalty/policy"), ("PATCH", "/surveys/{}")])
def test_an_operation_that_takes_a_body_refuses_none_with_415(api, survey, method, path):
    response = api.client.open(
        "/api/v1" + path.format(survey["id"]), method=method, headers=api._headers(None)
    )
    assert response.status_code == 415
    assert response.json["error"]["code"] == "unsupported_media_type"


def test_an_operation_without_a_body_needs_none(api):
    response = api.client.post("/api/v1/webhooks/1/test", headers=api._headers(None))
    assert response.status_code == 404  # looked up, not refused for its missing body
