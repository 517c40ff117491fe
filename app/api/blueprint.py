"""flask-smorest's Blueprint for /api/v1, with two changes to how it reads a JSON body: an
operation that takes one needs one (webargs reads a missing body as `{}`, so a PUT or PATCH
without one was a 200 that changed nothing, while the OpenAPI rightly marks the body as
required), and a body nested too deeply to parse is a 400 like any malformed JSON, not a 500."""

from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import missing
from webargs.flaskparser import FlaskParser

from app.errors import AppError


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


def idempotency_header(does: str, max_length: int = 128) -> dict:
    """The OpenAPI of an operation's optional Idempotency-Key header; `does`: what the same
    key again does."""
    return {
        "parameters": [
            {
                "in": "header",
                "name": "Idempotency-Key",
                "schema": {"type": "string", "maxLength": max_length},
                "description": does,
            }
        ]
    }
