"""Ids beyond an INTEGER column's range: no such resource, never a 500 from the database.

PostgreSQL refuses to compare an INTEGER column with 2**31 ("integer out of range"); SQLite
overflows at 2**63. Both are tried, whichever database the suite runs on.
"""

import base64

import pytest

from app.ids import MAX_ID
from app.models import Journey, Response, Survey, SurveyLink
from app.services import responses

TOO_BIG = [MAX_ID + 1, 10**20]


@pytest.mark.parametrize("number", TOO_BIG)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/journeys/{}"),
        ("GET", "/api/v1/journeys/{}/stats"),
        ("GET", "/api/v1/journeys/{}/export"),
        ("GET", "/api/v1/surveys/{}"),
        ("GET", "/api/v1/reviews/{}"),
        ("POST", "/api/v1/reviews/{}/reply"),
        ("GET", "/api/v1/invitations/{}"),
        ("GET", "/api/v1/links/{}"),
        ("DELETE", "/api/v1/links/{}"),
        ("GET", "/api/v1/webhooks/{}"),
        ("POST", "/api/v1/webhooks/{}/test"),
        ("GET", "/api/v1/webhooks/deliveries/{}"),
        ("POST", "/api/v1/webhooks/deliveries/{}/retry"),
    ],
)
def test_an_id_in_the_path_beyond_the_range_is_404(api, method, path, number):
    response = api.client.open(
        path.format(number), method=method, headers=api._headers(None), json={"body": "Dank"}
    )
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize("number", TOO_BIG)
@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/surveys?journey_id={}", "journey_id"),
        ("/api/v1/responses?survey_id={}", "survey_id"),
        ("/api/v1/webhooks/deliveries?endpoint_id={}", "endpoint_id"),
        ("/api/v1/journeys/1/stats?touchpoint={}", "touchpoint"),
    ],
)
def test_an_id_in_the_query_beyond_the_range_is_422(api, journey, path, field, number):
    response = api.get(path.format(number))
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


@pytest.mark.parametrize("number", [0, -1, *TOO_BIG])
def test_an_answer_for_a_survey_id_beyond_the_range_is_422_and_stores_nothing(
    api, survey, count_rows, number
):
    response = api.post("/api/v1/responses", json={"survey_id": number, "answers": {"nps": 9}})
    assert response.status_code == 422
    assert "survey_id" in response.json["error"]["fields"]
    assert count_rows(Response) == 0


@pytest.mark.parametrize(
    ("path", "body", "model"),
    [
        (
            "/api/v1/surveys",
            {"phase": "levering", "questions": [{"key": "nps", "type": "nps", "text": "?"}]},
            Survey,
        ),
        ("/api/v1/links", {"phase": "levering"}, SurveyLink),
        ("/api/v1/events", {"customer": "klant-1", "phase": "levering"}, None),
    ],
)
def test_a_journey_id_beyond_the_range_in_a_body_is_422(
    api, journey, count_rows, path, body, model
):
    before = count_rows(model) if model else None
    response = api.post(path, json={**body, "journey_id": MAX_ID + 1})
    assert response.status_code == 422
    assert "journey_id" in response.json["error"]["fields"]
    if model:
        assert count_rows(model) == before
    assert count_rows(Journey) == 1


@pytest.mark.parametrize(
    ("path", "cursor"),
    [
        ("/api/v1/responses", responses.encode_cursor(MAX_ID + 1)),
        ("/api/v1/reviews", str(10**20)),
        ("/api/v1/invitations", base64.urlsafe_b64encode(str(10**20).encode()).decode()),
    ],
)
def test_a_cursor_beyond_the_range_is_422(api, path, cursor):
    response = api.get(f"{path}?cursor={cursor}")
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {
        "cursor": response.json["error"]["fields"]["cursor"]
    }


def test_public_review_pages_and_feeds_refuse_ids_beyond_the_range(client, brand):
    assert client.get(f"/reviews/{brand.slug}/r/{MAX_ID + 1}").status_code == 404
    assert client.get(f"/reviews/{brand.slug}/r/{10**20}/flag").status_code == 404
    feed = client.get(f"/feeds/{brand.slug}/reviews.json?cursor=2026-01-01T00:00:00_{10**20}")
    assert feed.status_code == 400
    assert feed.json["error"]["fields"] == {"cursor": ["invalid"]}


def test_the_openapi_documents_the_id_range_and_the_error_shape(client):
    spec = client.get("/api/v1/openapi.json").json
    (parameter,) = spec["paths"]["/api/v1/surveys/{survey_id}"]["parameters"]
    assert parameter["schema"]["maximum"] == MAX_ID
    query = {p["name"]: p for p in spec["paths"]["/api/v1/surveys"]["get"]["parameters"]}
    assert query["journey_id"]["schema"]["maximum"] == MAX_ID
    error = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]["application/json"]
    assert error["schema"]["$ref"].endswith("/ErrorOut")
    assert spec["components"]["schemas"]["ErrorOut"]["required"] == ["error"]


def test_number_reads_ascii_digits_in_range_only():
    from app.ids import number

    assert number("42") == 42 and number(" 7 ") == 7 and number("0") == 0
    assert number(str(MAX_ID)) == MAX_ID
    for bad in (None, "", "²", "①", "٣", "-1", "1.0", "1e3", str(MAX_ID + 1), "9" * 5000):
        assert number(bad) is None, bad
    assert number("1000", high=999) is None
