"""flask-smorest's Blueprint for /api/v1, with one change: an operation that takes a JSON body
needs one. webargs reads a missing body as `{}`, so a PUT or PATCH without one was a 200 that
changed nothing, while the OpenAPI (rightly) marks the body as required."""

from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import missing
from webargs.flaskparser import FlaskParser

from app.errors import AppError


class BodyParser(FlaskParser):
    def load_json(self, req, schema):
        data = super().load_json(req, schema)
        if data is missing:
            raise AppError(415, "send the body as application/json")
        return data


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = BodyParser()
