"""What the OpenAPI document says beyond what schemathesis checks against the answers: every
error a client may get is described with the error shape, and the bounds the server checks
on a request are the document's, so a client validating against it is refused nothing new."""

import pytest

from tests.openapi_check import document as _document


@pytest.fixture(scope="module")
def document():
    return _document()


def test_every_documented_error_has_the_error_shape(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, response in operation["responses"].items():
                if status == "default" or int(status) >= 400:
                    schema = response.get("content", {}).get("application/json", {}).get("schema")
                    where = f"{method.upper()} {path} {status}"
                    if "$ref" in response:
                        continue  # flask-smorest's own error responses: the shape, by reference
                    assert schema == {"$ref": "#/components/schemas/ErrorOut"}, where


def test_every_operation_names_the_refusals_it_can_give(document):
    """401 on every operation, 413 and 415 on those with a body: a generated client saw them
    only as "default" (API walkthrough)."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            named = set(operation["responses"])
            expected = {"401"} | ({"413", "415"} if "requestBody" in operation else set())
            assert expected <= named, f"{method.upper()} {path}: {sorted(named)}"


def test_request_bounds_are_the_servers(document):
    schemas = document["components"]["schemas"]
    # a dict's size is its keys: minProperties, not minLength (which lets {} through)
    assert schemas["ResponseIn"]["properties"]["answers"] == {
        "type": "object",
        "additionalProperties": {},
        "minProperties": 1,
        "maxProperties": 3,
    }
    for name, field, low, high in [
        ("JourneyCreate", "name", 1, 120),
        ("PersonaIn", "name", 1, 120),
        ("TouchpointIn", "name", 1, 120),
        ("CustomerIn", "external_id", 1, 128),
        ("EventIn", "customer", 1, 128),
        ("ResponseIn", "customer", 1, 128),
    ]:
        bounds = schemas[name]["properties"][field]
        assert (bounds.get("minLength"), bounds.get("maxLength")) == (low, high), (name, field)
    key = document["paths"]["/api/v1/responses"]["post"]["parameters"]
    (header,) = [p for p in key if p["name"] == "Idempotency-Key"]
    assert header["schema"]["minLength"] == 1


def test_answers_say_what_their_fields_hold(document):
    schemas = document["components"]["schemas"]
    answer = schemas["ResponseOut"]["properties"]
    assert answer["status"]["enum"] == ["received", "processed", "failed"]
    assert answer["channel"]["enum"] == ["widget", "email", "link", "api"]
    assert answer["nps_category"]["enum"] == ["promoter", "passive", "detractor", None]
    assert answer["phase"]["type"] == "string"
    assert (answer["customer"]["type"], answer["customer"]["nullable"]) == ("string", True)
    sentiment = schemas["SentimentOut"]["properties"]
    assert (sentiment["polarity"]["minimum"], sentiment["polarity"]["maximum"]) == (-1, 1)
    assert sentiment["label"]["enum"] == ["positive", "neutral", "negative"]
    assert schemas["ReviewOut"]["properties"]["status"]["enum"] == [
        "pending",
        "published",
        "rejected",
        "removed",
    ]
    assert "text" in schemas["QuestionOut"]["properties"]["type"]["enum"]
    assert "scheduled" in schemas["InvitationOut"]["properties"]["status"]["enum"]


def test_answers_name_the_fields_they_always_carry(document):
    """A generated client types a field it is not told is there as optional (`id?: number`);
    every API test's answers are checked against these (tests/openapi_check.py)."""
    schemas = document["components"]["schemas"]
    assert {"id", "status", "created_at", "sentiment", "processed_at"} <= set(
        schemas["ResponseOut"]["required"]
    )
    assert schemas["EntryOut"]["required"] == list(schemas["EntryOut"]["properties"])
    # a schema requests send too keeps what a request must send
    assert schemas["JourneyDocument"]["required"] == ["format", "journey", "version"]
    assert "required" not in schemas["Policy"]  # PUT /loyalty/policy sends any of its fields
