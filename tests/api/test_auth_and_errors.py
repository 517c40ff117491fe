"""Keys, the error shape, and the request limits every endpoint shares."""

import io
import json

import pytest

from app.models import Journey
from tests.reviews.helpers import published


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer sk_wrong", "Basic abc", "sk_x"])
def test_missing_or_wrong_key_is_401(client, brand, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/journeys", headers=headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_key_is_401(api, brand, db):
    from app.models import ApiKey
    from app.models.base import utcnow

    for key in db.session.query(ApiKey).all():
        key.revoked_at = utcnow()
    db.session.commit()
    assert api.get("/api/v1/journeys").status_code == 401


def test_a_revoked_key_cannot_answer_even_when_this_process_knows_it(api, survey, db, count_rows):
    """Answers skip the key lookup for keys seen before; their INSERT proves the key live."""
    from app.models import ApiKey, Customer, Response
    from app.models.base import utcnow

    answer = {"survey_id": survey["id"], "answers": {"nps": 9}}
    assert api.post("/api/v1/responses", json=answer).status_code == 202  # the key is known now
    db.session.execute(db.update(ApiKey).values(revoked_at=utcnow()))  # as another process would
    db.session.commit()
    named = {**answer, "customer": "made-by-a-revoked-key"}  # ensured before the INSERT
    refused = api.post("/api/v1/responses", json=named)
    assert refused.status_code == 401
    assert refused.json["error"]["code"] == "unauthorized"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert count_rows(Response) == 1
    assert count_rows(Customer) == 0  # it made one, committed before the INSERT refused it
    assert api.post("/api/v1/responses", json=answer).status_code == 401  # and stays refused


def test_malformed_json_is_400(api, count_rows):
    response = api.client.post(
        "/api/v1/journeys",
        data="{not json",
        headers={**api._headers(None), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "malformed_json"
    assert count_rows(Journey) == 0


def test_not_json_is_415(api, count_rows):
    response = api.client.post(
        "/api/v1/journeys",
        data="name=x",
        headers={**api._headers(None), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415
    assert response.json["error"]["code"] == "unsupported_media_type"
    assert count_rows(Journey) == 0


def test_body_over_64kb_is_413(api, count_rows):
    body = {"name": "J", "phases": [{"key": "a", "name": "x" * 70_000}]}
    response = api.post("/api/v1/journeys", json=body)
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"
    assert count_rows(Journey) == 0


def post_chunked(api, url: str, body: dict):
    """POST without Content-Length (Transfer-Encoding: chunked), as gunicorn hands it on: a
    stream the server says is terminated."""
    return api.client.post(
        url,
        input_stream=io.BytesIO(json.dumps(body).encode()),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
        | api._headers(None),
        environ_overrides={"wsgi.input_terminated": True},
    )


@pytest.mark.parametrize("size", [70_000, 65_536])
def test_a_chunked_body_over_64kb_is_413_not_malformed(api, count_rows, size):
    """A chunked body past the limit was read up to it and failed as bad JSON (400)."""
    body = {"name": "J", "phases": [{"key": "a", "name": "x" * size}]}
    response = post_chunked(api, "/api/v1/journeys", body)
    assert response.status_code == 413, response.json
    assert response.json["error"]["code"] == "payload_too_large"
    assert count_rows(Journey) == 0


def test_a_chunked_body_within_the_limit_is_read_whole(api):
    body = {"name": "Chunked", "phases": [{"key": "a", "name": "A"}]}
    response = post_chunked(api, "/api/v1/journeys", body)
    assert response.status_code == 201, response.json
    assert response.json["name"] == "Chunked"


def test_unknown_route_is_404_in_the_error_shape(api):
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert set(response.json["error"]) == {"code", "message", "fields"}


def test_browsers_get_an_html_error_page(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Content-Security-Policy" in response.headers


def test_openapi_documents_every_route(client):
    spec = client.get("/api/v1/openapi.json").json
    for path in [
        "/api/v1/journeys",
        "/api/v1/surveys",
        "/api/v1/responses",
        "/api/v1/journeys/{journey_id}/stats",
        "/api/v1/customers",
        "/api/v1/events",
    ]:
        assert path in spec["paths"], path
    assert "bearer" in spec["components"]["securitySchemes"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"/api/v1/responses" in docs.data
    assert b"<script" not in docs.data


def test_home_page_links_the_places_to_start(client, brand, api, survey):
    page = client.get("/")
    assert page.status_code == 200
    for link in (b"/dashboard", b"/demo/widget", b"/api/v1/docs"):
        assert link in page.data
    # A brand is listed once it has public review pages: not every customer of the instance.
    assert b"/reviews/testbad" not in page.data
    published(api, survey, brand)
    assert b"/reviews/testbad" in client.get("/").data
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}


def test_healthz_is_a_503_in_json_without_the_database(client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from app.extensions import db

    def refused(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    # the probe's one query, and the look for the schema's tables it makes when that fails
    for method in ("execute", "scalar", "connection"):
        monkeypatch.setattr(db.session, method, refused)
    reply = client.get("/healthz")
    assert reply.status_code == 503 and reply.headers["Retry-After"] == "1"
    assert reply.json == {"status": "down", "database": "down"}
