"""The API against its own OpenAPI document, with schemathesis: for every operation, requests
generated from the document (valid ones and broken ones) must never get a 500, and every answer
must be what the document promises: a documented status code and content type, and a body
that matches its schema. This is how integer overflows, NUL characters and the undocumented
error shape were found; it keeps them found."""

import pytest
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.services import webhooks
from tests import openapi_check

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# Loaded here, not from a fixture: schemathesis' lazy fixture loader does not run on pytest 9.
openapi = openapi_check.schema()


@pytest.fixture
def known_rows(api, survey, monkeypatch):
    """Something for the generated ids and keys to find: a customer and an answer (a review,
    points); and webhooks that go nowhere, so no generated URL is looked up or called."""
    monkeypatch.setattr(webhooks, "_refuse_private", lambda url: None)
    monkeypatch.setattr(webhooks, "_send", lambda endpoint, delivery: (204, None, 1))
    api.post("/api/v1/customers", json={"external_id": "0", "email": "klant@example.nl"})
    api.post(
        "/api/v1/responses",
        json={
            "survey_id": survey["id"],
            "customer": "0",
            "answers": {"nps": 9, "why": "Netjes gemonteerd, op tijd"},
            "review": {"consent": True, "display_name": "Anna B."},
        },
    )


@openapi.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    database=None,  # nothing written to .hypothesis/; a failure prints its case as curl
    # The same cases every run, so CI is not red by chance; `st run` against a server (README)
    # explores further, and what it finds becomes a test.
    derandomize=True,
    suppress_health_check=list(HealthCheck),  # one brand per operation, reused by its examples
)
def test_every_operation_keeps_its_openapi(case, app, api_key, known_rows):
    case.call_and_validate(
        app=app,
        headers={"Authorization": f"Bearer {api_key}", "Accept-Encoding": "identity"},
        checks=CHECKS,
    )
