"""Responses: what a channel posts, what intake answers, what the list returns."""

from marshmallow import Schema, fields, validate

from app.models.response import CHANNELS, FAILED, PROCESSED, RECEIVED
from app.pipeline.nps import DETRACTOR, PASSIVE, PROMOTER
from app.pipeline.sentiment import LABELS
from app.schemas.common import (
    TEXT_KEY,
    CursorQuery,
    Id,
    Moment,
    StrictBoolean,
    Timestamp,
    TouchpointRef,
    whole_number,
)
from app.schemas.customer import EXTERNAL_ID, order_in, order_out
from app.schemas.journey import KEY
from app.services import follow_up

REASON_KEYS = ", ".join(follow_up.REASONS)


class ReviewConsentIn(Schema):
    consent = StrictBoolean(required=True)
    display_name = fields.String(validate=validate.Length(min=1, max=60))
    title = fields.String(validate=validate.Length(max=120))
    # Time from showing the question to consenting; reviews faster than a few seconds are held.
    # Strict: 1.5 or "900" is a bug in the caller, not a time (it was truncated or parsed).
    elapsed_ms = whole_number(0, 86_400_000)


class ResponseIn(Schema):
    survey_id = Id(required=True)
    answers = fields.Dict(
        keys=fields.String(validate=KEY), required=True, validate=validate.Length(min=1, max=3)
    )
    customer = fields.String(validate=EXTERNAL_ID)
    channel = fields.String(load_default="api", validate=validate.OneOf(CHANNELS))
    locale = fields.String(validate=validate.Length(min=2, max=16))
    touchpoint = TouchpointRef()
    review = fields.Nested(ReviewConsentIn)
    order = order_in(
        "the shop's order the answer is about (1-64 characters: letters, digits and "
        ". _ - / #): a customer earns points for answering a phase survey once per order. "
        "Without it, the customer's latest order in the phase, if her journey events named one"
    )


STATUS = fields.String(metadata={"enum": [RECEIVED, PROCESSED, FAILED]})


class ResponseAccepted(Schema):
    id = fields.Integer()
    status = STATUS


class SentimentOut(Schema):
    polarity = fields.Float(metadata={"minimum": -1, "maximum": 1})
    label = fields.String(metadata={"enum": list(LABELS)})


class FollowUpOut(Schema):
    """Whether an answer needs a follow-up (services.follow_up) and whether it was handled."""

    response_id = fields.Integer()
    needed = fields.Boolean()
    reasons = fields.List(fields.String(), metadata={"description": "why: " + REASON_KEYS})
    handled_at = Timestamp(allow_none=True)
    handled_by = fields.String(
        allow_none=True, metadata={"description": 'a login\'s email, or "API"'}
    )


_FOLLOW_UP = FollowUpOut(exclude=("response_id",))


class FollowUpIn(Schema):
    handled = StrictBoolean(required=True)


class ResponseOut(Schema):
    id = fields.Integer()
    survey_id = fields.Integer()
    journey_id = fields.Integer()
    phase = fields.Function(lambda response: response.phase.key, metadata=TEXT_KEY)
    customer = fields.Function(
        lambda response: response.customer.external_id if response.customer else None,
        allow_none=True,
        metadata=TEXT_KEY,
    )
    channel = fields.String(metadata={"enum": list(CHANNELS)})
    locale = fields.String()
    touchpoint_id = fields.Integer(allow_none=True)
    order = order_out(
        "the order the answer is about: its invitation's, the one posted, or the customer's "
        "latest order in the phase when it came; null: none"
    )
    answers = fields.Dict()
    status = STATUS
    nps_category = fields.String(
        allow_none=True, metadata={"enum": [PROMOTER, PASSIVE, DETRACTOR, None]}
    )
    sentiment = fields.Nested(SentimentOut, allow_none=True)
    language = fields.String(allow_none=True)
    created_at = Timestamp()
    processed_at = Timestamp(allow_none=True)
    follow_up = fields.Function(
        lambda response: _FOLLOW_UP.dump(follow_up.state(response)),
        metadata={"type": "object", "description": "needed, reasons, handled_at, handled_by"},
    )


class ResponseQuery(CursorQuery):
    phase = fields.String(validate=KEY)
    survey_id = Id()
    since = Moment()
    status = fields.String(validate=validate.OneOf(("received", "processed", "failed")))
    # answers that need a follow-up: all of them, only those still open, or those handled
    follow_up = fields.String(validate=validate.OneOf(("needed", "open", "handled")))


class ResponsePage(Schema):
    items = fields.List(fields.Nested(ResponseOut))
    next_cursor = fields.String(allow_none=True)
