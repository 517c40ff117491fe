"""Webhook endpoints of a brand, and the outbox of deliveries (with every attempt) to them."""

import base64
import secrets

from app.extensions import db
from app.models.base import JsonType, utcnow

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoint"

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(
        db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False, index=True
    )
    url = db.Column(db.String(2048), nullable=False)
    events = db.Column(JsonType, nullable=False, default=list)
    description = db.Column(db.String(200))
    # Kept readable because every delivery is signed with it; the API shows it only at creation.
    secret = db.Column(db.String(64), nullable=False)
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    @staticmethod
    def new_secret() -> str:
        """A Standard Webhooks secret: `whsec_` and 24 random bytes in base64."""
        return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()

    def signing_key(self) -> bytes:
        return base64.b64decode(self.secret.removeprefix("whsec_"))

    def wants(self, event: str) -> bool:
        return self.active and event in (self.events or [])


class WebhookDelivery(db.Model):
    """One event for one endpoint: written in the emitter's transaction, sent after its commit."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        db.Index("ix_webhook_delivery_brand_id_desc", "brand_id", "id"),
        db.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    endpoint_id = db.Column(
        db.Integer,
        db.ForeignKey("webhook_endpoint.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    # The `webhook-id` header: the same on every retry, so receivers can drop duplicates.
    message_id = db.Column(db.String(40), nullable=False, unique=True)
    event = db.Column(db.String(40), nullable=False)
    payload = db.Column(JsonType, nullable=False)
    status = db.Column(db.String(12), nullable=False, default=PENDING)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    last_status_code = db.Column(db.Integer)
    last_error = db.Column(db.String(300))
    next_attempt_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    delivered_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)

    endpoint = db.relationship("WebhookEndpoint")

    @staticmethod
    def new_message_id() -> str:
        return "msg_" + secrets.token_urlsafe(18)


class WebhookAttempt(db.Model):
    """One HTTP try of a delivery: what the receiver answered, or why it could not be reached."""

    __tablename__ = "webhook_attempt"

    id = db.Column(db.Integer, primary_key=True)
    delivery_id = db.Column(
        db.Integer,
        db.ForeignKey("webhook_delivery.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    attempted_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    status_code = db.Column(db.Integer)
    error = db.Column(db.String(300))
    duration_ms = db.Column(db.Integer, nullable=False, default=0)
