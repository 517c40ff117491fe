"""The per-phase figures of a journey."""

from datetime import date, timedelta

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.models.response import CHANNELS
from app.schemas.common import SUPPORTED_LOCALES, Day, Id
from app.schemas.journey import KEY

# Period presets, the dashboard's and the API's: the brand's last N days, today included.
PERIODS = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}


def period_days(period: str | None, today: date) -> tuple[date, date] | None:
    """(from, to) of a period preset, both included ("30d": today and the 29 days before);
    None for all time (no period, or "all")."""
    days = PERIODS.get(period)
    if days is None:
        return None
    return today - timedelta(days=days - 1), today


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


class JourneyStatsQuery(StatsQuery):
    """The stats API's query: the filters, with the period as a preset or as from/to."""

    period = fields.String(
        validate=validate.OneOf([*PERIODS, "all"]),
        metadata={
            "description": "The last N days, today included, as the dashboard's period "
            "filter: 7d, 30d, 90d or 365d; all (or none) is all time. Days are the brand's, in "
            "its time_zone. Give period or from/to, not both (422)."
        },
    )

    @validates_schema
    def period_or_days(self, data, **kwargs):
        if data.get("period") and (data.get("from_") or data.get("to")):
            raise ValidationError("give period or from/to, not both", "period")


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
    to_next = fields.Float(
        allow_none=True,
        metadata={
            "description": "share of the customers who reached the phase who went on: reached"
            " any later phase of the funnel (a skipped phase breaks no chain); null for the"
            " funnel's last phase, for a phase with no measured phase after it, and for a"
            " phase outside the funnel"
        },
    )
    reached = fields.Integer()
    converted = fields.Integer()
    value_weighted = fields.Float(allow_none=True)
    reached_value = fields.Float()
    mean_days_to_next = fields.Float(
        allow_none=True,
        metadata={
            "description": "the exact mean days to the next phase of those who went on; one"
            " very long stay pulls it up. The dashboard's median comes from a histogram whose"
            " last bucket is open: shown as 730+ days, a lower bound"
        },
    )
    measured = fields.Boolean(
        metadata={
            "description": "false for a new phase nobody has reached yet (no journey events):"
            " it has no conversion of its own and is not ranked"
        }
    )


class PriorityOut(Schema):
    rank = fields.Integer(allow_none=True)
    value_at_stake = fields.Float(
        allow_none=True,
        metadata={
            "description": "drop-off × customer value of those who reached the phase ×"
            " detractors ÷ the phase's NPS answers: an index of where value is lost, in euros."
            " For a phase outside the funnel (no drop-off): customer value of those who"
            " reached it × detractors ÷ its NPS answers."
            " Under a channel, touchpoint or locale filter, that selection's part: its"
            " detractors ÷ all the phase's answers, so the parts add up to the whole"
        },
    )
    reason = fields.String()


class PhaseStatsOut(Schema):
    phase = fields.String()
    name = fields.String()
    position = fields.Integer()
    in_funnel = fields.Boolean(
        metadata={
            "description": "false: outside the funnel (service, returns): no conversion, no"
            " drop-off, and no next phase of the phase before it"
        }
    )
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
