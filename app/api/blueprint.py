"""flask-smorest's Blueprint for /api/v1. Two changes to how it reads a JSON body: an
operation that takes one needs one (webargs reads a missing body as `{}`, so a PUT or PATCH
without one was a 200 that changed nothing, while the OpenAPI rightly marks the body as
required), and a body nested too deeply to parse is a 400 like any malformed JSON, not a 500."""

from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import missing
from webargs.flaskparser import FlaskParser

from app.errors import AppError
from app.schemas.common import ErrorOut


class BodyParser(FlaskParser):
    def load_json(self, req, schema):
        try:
            data = super().load_json(req, schema)
        except RecursionError:
            raise AppError(
                400, "the request body is not valid JSON", code="malformed_json"
            ) from None
        if data is missing:
            raise AppError(415, "send the body as application/json")
        return data


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = BodyParser()

    def alt_response(self, status_code, response=None, **options):
        """An error status an operation documents (409, 422) with only its description has
        the error shape's body, as the operation's default error response has."""
        if response is None and "schema" not in options and int(status_code) >= 400:
            options["schema"] = ErrorOut
        return super().alt_response(status_code, response, **options)


def idempotency_header(does: str, max_length: int = 128) -> dict:
    """The OpenAPI of an operation's optional Idempotency-Key header; `does`: what the same
    key again does."""
    return {
        "parameters": [
            {
                "in": "header",
                "name": "Idempotency-Key",
                "schema": {"type": "string", "minLength": 1, "maxLength": max_length},
                "description": does,
            }
        ]
    }
