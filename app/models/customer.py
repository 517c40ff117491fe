"""Customers of a brand, and the journey events that say which phase they reached when."""

from app.extensions import db
from app.models.base import KEYED_ONLY, JsonType, utcnow

# An order reference as journey events, invitations and answers carry it (the API's "order"):
# the shop's own order number, "1001" or "2026/A-17" (schemas.customer.ORDER_REF).
ORDER_LENGTH = 64

# An erased customer's external id starts so (services.privacy.erase), which frees the old id
# for a new customer; the API refuses such ids for live customers (schemas.customer.EXTERNAL_ID).
TOMBSTONE_PREFIX = "erased-"


class Customer(db.Model):
    __tablename__ = "customer"
    __table_args__ = (
        db.UniqueConstraint("brand_id", "external_id"),
        db.Index("ix_customer_brand_email", "brand_id", "email"),
    )

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    external_id = db.Column(db.String(128), nullable=False)
    email = db.Column(db.String(254))  # normalised: trimmed and lower-cased
    # What invitations greet her by ({first_name}); personal data: erasure removes it.
    first_name = db.Column(db.String(100))
    persona_id = db.Column(db.Integer, db.ForeignKey("persona.id", ondelete="SET NULL"))
    locale = db.Column(db.String(8))
    value = db.Column(db.Numeric(12, 2))  # what the customer is worth to the brand
    consent = db.Column(JsonType, nullable=False, default=dict)
    unsubscribed_at = db.Column(db.DateTime)
    # Set by services.privacy.erase: the row is a tombstone that keeps the ledger's amounts.
    erased_at = db.Column(db.DateTime)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    persona = db.relationship("Persona")


class JourneyEvent(db.Model):
    __tablename__ = "journey_event"
    __table_args__ = (
        db.Index("ix_journey_event_customer", "customer_id", "phase_id"),
        db.Index(
            "ix_journey_event_brand_idempotency_key",
            "brand_id",
            "idempotency_key",
            unique=True,
            **KEYED_ONLY,
        ),
    )

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(
        db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False, index=True
    )
    customer_id = db.Column(
        db.Integer, db.ForeignKey("customer.id", ondelete="CASCADE"), nullable=False
    )
    journey_id = db.Column(
        db.Integer, db.ForeignKey("journey.id", ondelete="CASCADE"), nullable=False
    )
    phase_id = db.Column(db.Integer, db.ForeignKey("phase.id", ondelete="CASCADE"), nullable=False)
    occurred_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    value = db.Column(db.Numeric(12, 2))  # an optional transaction value
    # The order this event is about (None: none named); a first arrival per order schedules
    # the phase's invitation on reach again (CustomerPhaseOrder).
    order_ref = db.Column(db.String(ORDER_LENGTH))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # Did this event reach the phase for the first time? Stored so that a retry under the
    # same Idempotency-Key answers as the first try did (NULL: recorded before migration 0031).
    first_time = db.Column(db.Boolean)
    # the API's Idempotency-Key: a retried create finds this row (services.idempotency)
    idempotency_key = db.Column(db.String(128))
    request_hash = db.Column(db.String(64))

    customer = db.relationship("Customer")
    phase = db.relationship("Phase")


class CustomerPhase(db.Model):
    """The first time a customer reached a phase: the basis of conversion.

    With the value and persona the conversion rollups count this reach with: what the
    customer is worth now (else their first event's transaction value there) and their
    persona now (services.conversion keeps both current, and the rollups equal to them)."""

    __tablename__ = "customer_phase"
    __table_args__ = (db.UniqueConstraint("customer_id", "phase_id"),)

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    customer_id = db.Column(
        db.Integer, db.ForeignKey("customer.id", ondelete="CASCADE"), nullable=False
    )
    phase_id = db.Column(
        db.Integer, db.ForeignKey("phase.id", ondelete="CASCADE"), nullable=False, index=True
    )
    first_reached_at = db.Column(db.DateTime, nullable=False)
    value = db.Column(db.Float, nullable=False, default=0, server_default="0")
    persona_id = db.Column(db.Integer, nullable=False, default=0, server_default="0")  # 0: none
    # The brand's day the reach is counted on, fixed when it is counted: a later change of the
    # brand's time zone must not move a share it takes away from the day it was added to.
    # Null only for a row an older worker wrote during an upgrade: its day in the zone now.
    counted_day = db.Column(db.Date, nullable=True)


class CustomerPhaseOrder(db.Model):
    """The first time a customer reached a phase for one order: a repeat buyer's second
    delivery schedules the phase's invitation on reach again (invitations.schedule_on_reach),
    and answers to the phase that name no order belong to her latest order there
    (services.orders). Conversion still counts customers, from CustomerPhase.

    The unique key is what lets two events of one order (in one batch, or two requests at
    once) schedule one invitation: only the INSERT that made the row schedules."""

    __tablename__ = "customer_phase_order"
    __table_args__ = (
        db.UniqueConstraint("customer_id", "phase_id", "order_ref"),
        # the customer lookup finds who had order 1001
        db.Index("ix_customer_phase_order_brand_order", "brand_id", "order_ref"),
    )

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    customer_id = db.Column(
        db.Integer, db.ForeignKey("customer.id", ondelete="CASCADE"), nullable=False
    )
    phase_id = db.Column(
        db.Integer, db.ForeignKey("phase.id", ondelete="CASCADE"), nullable=False, index=True
    )
    order_ref = db.Column(db.String(ORDER_LENGTH), nullable=False)
    first_reached_at = db.Column(db.DateTime, nullable=False)
