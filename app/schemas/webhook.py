"""Webhook endpoints and deliveries as the API takes and gives them."""

from marshmallow import Schema, fields, validate

from app.schemas.common import Id, Timestamp
from app.services.webhooks import EVENTS


class WebhookUrlQuery(Schema):
    url = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2048),
        metadata={"description": "the endpoint's URL, as it was subscribed"},
    )


class WebhookIn(Schema):
    url = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2048),
        # services.webhooks.check_url refuses the rest (and private addresses) itself
        metadata={"pattern": "^https?://"},
    )
    events = fields.List(
        fields.String(validate=validate.OneOf(EVENTS)),
        required=True,
        validate=validate.Length(
            min=1, max=len(EVENTS), error="choose one or more of the events, each once"
        ),
        metadata={"description": f"one or more of: {', '.join(EVENTS)}"},
    )
    description = fields.String(validate=validate.Length(max=200), allow_none=True)


class WebhookOut(Schema):
    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String())
    description = fields.String(allow_none=True)
    active = fields.Boolean()
    created_at = Timestamp()


class WebhookCreated(WebhookOut):
    secret = fields.String(
        metadata={"description": "whsec_… signing secret; shown only in this answer"}
    )


class WebhookList(Schema):
    items = fields.List(fields.Nested(WebhookOut))


class AttemptOut(Schema):
    attempted_at = Timestamp()
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    duration_ms = fields.Integer()


class DeliveryOut(Schema):
    id = fields.Integer()
    endpoint_id = fields.Integer()
    message_id = fields.String(metadata={"description": "the webhook-id header"})
    event = fields.String()
    status = fields.String(metadata={"description": "pending | delivered | failed"})
    attempts = fields.Integer()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    next_attempt_at = Timestamp(
        metadata={
            "description": "pending: when it is tried (again); delivered or failed: when it "
            "ended, no attempt is coming"
        }
    )
    delivered_at = Timestamp(allow_none=True)
    created_at = Timestamp()


class DeliveryDetail(DeliveryOut):
    payload = fields.Dict()
    attempt_log = fields.List(fields.Nested(AttemptOut))


class DeliveryList(Schema):
    items = fields.List(fields.Nested(DeliveryOut))


class DeliveryQuery(Schema):
    endpoint_id = Id()
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
