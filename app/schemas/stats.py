"""The per-phase figures of a journey."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.models.response import CHANNELS
from app.schemas.common import SUPPORTED_LOCALES, Day, Id
from app.schemas.journey import KEY


class StatsQuery(Schema):
    # "from" is a Python keyword, hence data_key
    from_ = Day(data_key="from")
    to = Day()
    persona = fields.String(validate=KEY)
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    touchpoint = Id()
    locale = fields.String(validate=validate.OneOf(SUPPORTED_LOCALES))

    @validates_schema
    def ordered(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("'from' must not be after 'to'", "from")


class NpsOut(Schema):
    score = fields.Float(allow_none=True)
    promoters = fields.Integer()
    passives = fields.Integer()
    detractors = fields.Integer()
    n = fields.Integer()
    ci95 = fields.List(fields.Float(), allow_none=True)


class MeanOut(Schema):
    mean = fields.Float(allow_none=True)
    n = fields.Integer()


class SentimentStatsOut(MeanOut):
    positive = fields.Integer()
    neutral = fields.Integer()
    negative = fields.Integer()


class ConversionOut(Schema):
    to_next = fields.Float(allow_none=True)
    reached = fields.Integer()
    converted = fields.Integer()
    value_weighted = fields.Float(allow_none=True)
    reached_value = fields.Float()
    mean_days_to_next = fields.Float(allow_none=True)


class PriorityOut(Schema):
    rank = fields.Integer(allow_none=True)
    value_at_stake = fields.Float()
    reason = fields.String()


class PhaseStatsOut(Schema):
    phase = fields.String()
    name = fields.String()
    position = fields.Integer()
    n = fields.Integer()
    nps = fields.Nested(NpsOut)
    csat = fields.Nested(MeanOut)
    ces = fields.Nested(MeanOut)
    sentiment = fields.Nested(SentimentStatsOut)
    emotions = fields.Dict(keys=fields.String(), values=fields.Integer())
    conversion = fields.Nested(ConversionOut)
    hypothesis = fields.Dict()
    priority = fields.Nested(PriorityOut)


class StatsOut(Schema):
    journey_id = fields.Integer()
    filters = fields.Dict()
    phases = fields.List(fields.Nested(PhaseStatsOut))
