"""Surveys as code: one JSON document holds a journey, its touchpoints and its surveys.

The parts are the API's own schemas (JourneyCreate, PhaseIn, TouchpointIn, SurveyCreate), so
an import validates exactly like creating each piece through the API.
"""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.schemas.common import Timestamp
from app.schemas.journey import JourneyCreate, JourneyOut, PhaseIn, TouchpointIn
from app.schemas.survey import SurveyCreate, SurveyOut

FORMAT = "phasewise.journey"
VERSION = 1


class PhaseDocument(PhaseIn):
    touchpoints = fields.List(
        fields.Nested(TouchpointIn), load_default=list, validate=validate.Length(max=50)
    )

    @validates_schema
    def unique_touchpoints(self, data, **kwargs):
        names = [touchpoint["name"] for touchpoint in data.get("touchpoints", [])]
        if len(names) != len(set(names)):
            raise ValidationError("touchpoint names must be unique within a phase", "touchpoints")


class JourneyPart(JourneyCreate):
    phases = fields.List(
        fields.Nested(PhaseDocument), required=True, validate=validate.Length(min=1, max=20)
    )


class SurveyDocument(SurveyCreate):
    """A survey inside a journey document: the journey is the document's own."""

    class Meta:
        exclude = ("journey_id",)


class JourneyDocument(Schema):
    format = fields.String(required=True, validate=validate.Equal(FORMAT))
    version = fields.Integer(required=True, validate=validate.Equal(VERSION))
    journey = fields.Nested(JourneyPart, required=True)
    archived_at = Timestamp(
        allow_none=True,
        load_default=None,
        metadata={
            "description": "when the exported journey was archived (null: it was not); an "
            "import ignores it: the copy is a new journey, not archived"
        },
    )
    surveys = fields.List(
        fields.Nested(SurveyDocument),
        load_default=list,
        validate=validate.Length(max=100),
    )

    @validates_schema
    def surveys_name_known_phases(self, data, **kwargs):
        keys = {phase["key"] for phase in data.get("journey", {}).get("phases", [])}
        problems = {
            index: {"phase": [f"no phase {survey['phase']!r} in this journey"]}
            for index, survey in enumerate(data.get("surveys", []))
            if survey["phase"] not in keys
        }
        if problems and keys:
            raise ValidationError(problems, "surveys")


class JourneyImported(Schema):
    journey = fields.Nested(JourneyOut)
    surveys = fields.List(fields.Nested(SurveyOut))
