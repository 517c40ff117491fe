"""GDPR exports and erasures, retention and the privacy log as the API gives them."""

from marshmallow import Schema, fields, validate

from app.schemas.common import Timestamp
from app.services.retention import MAX_DAYS, MIN_DAYS


class ExportOut(Schema):
    brand = fields.Dict()
    exported_at = fields.String()
    customer = fields.Dict(metadata={"description": "the customer row"})
    journey_events = fields.List(fields.Dict())
    phases_reached = fields.List(fields.Dict())
    orders_reached = fields.List(
        fields.Dict(),
        metadata={"description": "per phase and order her events named, when she first got there"},
    )
    responses = fields.List(fields.Dict(), metadata={"description": "with their answers"})
    reviews = fields.List(fields.Dict(), metadata={"description": "with their moderation log"})
    loyalty = fields.Dict(metadata={"description": '{"balance", "entries": […]}'})
    invitations = fields.List(fields.Dict())
    contacts = fields.List(fields.Dict(), metadata={"description": "when they were asked"})


class ErasureOut(Schema):
    status = fields.String(metadata={"description": "erased | already_erased"})
    tombstone = fields.String(metadata={"description": "the external id the row now carries"})
    erased_at = fields.String()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class RetentionIn(Schema):
    retention_days = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=MIN_DAYS, max=MAX_DAYS)
    )


class RetentionOut(Schema):
    retention_days = fields.Integer()
    due = fields.Integer(
        metadata={"description": "responses past the period that still hold personal data"}
    )


class PrivacyRequestOut(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "export | erasure | retention | view"})
    tombstone = fields.String(allow_none=True)
    actor = fields.String()
    details = fields.Dict()
    created_at = Timestamp()


class PrivacyRequestList(Schema):
    items = fields.List(fields.Nested(PrivacyRequestOut))
