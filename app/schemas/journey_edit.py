"""What the dashboard's editors take: built from the API's schemas, so both validate alike."""

from marshmallow import Schema, fields, validate

from app.schemas.journey import PersonaIn, PhaseIn


class JourneyRename(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))


class PhaseUpdate(PhaseIn):
    """The whole phase as the form shows it; the key is fixed once answers refer to it."""

    class Meta:
        exclude = ("key",)


class PersonaUpdate(PersonaIn):
    class Meta:
        exclude = ("key",)


class OriginsIn(Schema):
    origins = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        required=True,
        validate=validate.Length(max=20),
    )


class ApiKeyCreate(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
