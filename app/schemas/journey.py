"""Journeys, phases, touchpoints and personas as the API takes and gives them."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.models.journey import MAX_PHASES, Touchpoint
from app.schemas.common import (
    LINES,
    NAME,
    SUPPORTED_LOCALES,
    TEXT_KEY,
    FullMatch,
    StrictBoolean,
    Timestamp,
)

KEY = FullMatch(r"^[a-z0-9][a-z0-9_-]{0,47}$", error="use 1-48 of a-z, 0-9, - and _")


def localized_text(max_length: int):
    """A string, or a {"nl": …, "en": …} mapping of strings."""
    text = {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": r"\S"}
    documented = {  # Raw says nothing in the OpenAPI: what _LocalizedText accepts, said there
        "anyOf": [
            text,
            {
                "type": "object",
                "properties": dict.fromkeys(SUPPORTED_LOCALES, text),
                "additionalProperties": False,
                "minProperties": 1,
            },
        ],
        "description": "one text, or one per locale",
    }
    return fields.Raw(required=True, validate=_LocalizedText(max_length), metadata=documented)


class _LocalizedText(validate.Validator):
    def __init__(self, max_length: int):
        self.max_length = max_length

    def __call__(self, value):
        items = {"_": value} if isinstance(value, str) else value
        if not isinstance(items, dict) or not items:
            raise ValidationError("give a string or an object of locale: string")
        for locale, text in items.items():
            if locale != "_" and locale not in SUPPORTED_LOCALES:
                raise ValidationError(f"unsupported locale {locale!r}; use nl or en")
            if not isinstance(text, str) or not text.strip():
                raise ValidationError("texts must be non-empty strings")
            # shown on pages, in feeds and in emails; a question may run over lines
            LINES(text)
            if len(text) > self.max_length:
                raise ValidationError(f"at most {self.max_length} characters")
        return value


class HypothesisIn(Schema):
    nps = fields.Float(validate=validate.Range(-100, 100))
    csat = fields.Float(validate=validate.Range(1, 5))
    conversion = fields.Float(validate=validate.Range(0, 1))


IN_FUNNEL = {
    "description": "true (the default): a step of the funnel, whose conversion runs to the "
    "next phase in the funnel. false: outside the funnel (a service or returns phase only "
    "some customers reach): its answers, NPS and reach are its own, it has no conversion and "
    "no drop-off, nor does reaching it count as going on from the phase before it; its value "
    "at stake is its customer value × its detractor share"
}


class PhaseIn(Schema):
    key = fields.String(required=True, validate=KEY)
    name = localized_text(120)
    position = fields.Integer(validate=validate.Range(min=1, max=MAX_PHASES))
    expected_days = fields.Integer(validate=validate.Range(min=0, max=3650))
    hypothesis = fields.Nested(HypothesisIn, load_default=dict)
    in_funnel = StrictBoolean(load_default=True, metadata=IN_FUNNEL)


class PhasePatch(Schema):
    """PATCH of one phase: only the fields given change (the key never does)."""

    name = localized_text(120)
    position = fields.Integer(validate=validate.Range(min=1, max=MAX_PHASES))
    expected_days = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=0, max=3650),
        metadata={"description": "null: none"},
    )
    hypothesis = fields.Nested(HypothesisIn)
    in_funnel = StrictBoolean(metadata=IN_FUNNEL)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class JourneyCreate(Schema):
    name = fields.String(required=True, validate=NAME)
    phases = fields.List(
        fields.Nested(PhaseIn), required=True, validate=validate.Length(min=1, max=MAX_PHASES)
    )

    @validates_schema
    def unique_keys(self, data, **kwargs):
        keys = [phase["key"] for phase in data.get("phases", [])]
        if len(keys) != len(set(keys)):
            raise ValidationError("phase keys must be unique", "phases")
        positions = [phase["position"] for phase in data.get("phases", []) if "position" in phase]
        if len(positions) != len(set(positions)):
            raise ValidationError("phase positions must be unique", "phases")


class TouchpointIn(Schema):
    name = fields.String(required=True, validate=NAME)
    channel = fields.String(required=True, validate=validate.OneOf(Touchpoint.CHANNELS))


FORMER_NAMES = fields.List(
    fields.String(),
    metadata={"description": "names before a rename, newest first; answers may still send them"},
)


class TouchpointOut(Schema):
    id = fields.Integer()
    name = fields.String()
    channel = fields.String()
    former_names = FORMER_NAMES
    phase = fields.Function(lambda touchpoint: touchpoint.phase.key, metadata=TEXT_KEY)


class PhaseTouchpointOut(Schema):
    id = fields.Integer()
    name = fields.String()
    channel = fields.String()
    former_names = FORMER_NAMES


class PhaseOut(Schema):
    id = fields.Integer()
    key = fields.String()
    name = fields.Dict()
    position = fields.Integer()
    expected_days = fields.Integer(allow_none=True)
    hypothesis = fields.Dict()
    in_funnel = fields.Boolean(metadata=IN_FUNNEL)
    touchpoints = fields.List(fields.Nested(PhaseTouchpointOut))


class JourneyOut(Schema):
    id = fields.Integer()
    name = fields.String()
    created_at = Timestamp()
    archived = fields.Boolean(
        metadata={"description": "archived: its surveys ask nobody; its history is kept"}
    )
    archived_at = Timestamp(allow_none=True)
    phases = fields.List(fields.Nested(PhaseOut))


class JourneyQuery(Schema):
    archived = fields.Boolean(
        metadata={"description": "true: only archived journeys; false: only the others"}
    )


class JourneyList(Schema):
    items = fields.List(fields.Nested(JourneyOut))


class PersonaIn(Schema):
    key = fields.String(required=True, validate=KEY)
    name = fields.String(required=True, validate=NAME)
    description = fields.String(validate=[validate.Length(max=2000), LINES])


class PersonaOut(Schema):
    id = fields.Integer()
    key = fields.String()
    name = fields.String()
    description = fields.String(allow_none=True)


class PersonaList(Schema):
    items = fields.List(fields.Nested(PersonaOut))
