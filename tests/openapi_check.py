"""The OpenAPI document as the app serves it, and the check every API test's answers pass."""

from functools import cache
from urllib.parse import urlsplit

import schemathesis

from app import create_app


@cache
def document() -> dict:
    """Building it touches no database."""
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return app.test_client().get("/api/v1/openapi.json").json


@cache
def schema():
    return schemathesis.openapi.from_dict(document())


def keeps_the_document(method: str, url: str, answer):
    """An /api/v1 answer has a status its operation names and the body the document gives for
    it (schemathesis' own check), so every API test checks the document a client is generated
    from, where the fuzzer's few cases per operation reach few of the answers' shapes."""
    path = urlsplit(url).path
    if not path.startswith("/api/v1/") or path == "/api/v1/openapi.json":
        return answer
    operation = schema().find_operation_by_path(method.upper(), path)
    if operation is None and answer.status_code in (404, 405):
        return answer  # no such route or method: a test of that refusal
    assert operation is not None, f"{method.upper()} {path} is not in the OpenAPI document"
    assert operation.responses.find_by_status_code(answer.status_code) is not None, (
        f"{method.upper()} {path} answered {answer.status_code}, which its operation does not name"
    )
    operation.validate_response(answer)
    return answer
