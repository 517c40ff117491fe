"""A customer's answer to one survey. Raw answers are never rewritten; the pipeline adds fields."""

from app.extensions import db
from app.models.base import JsonType, utcnow

CHANNELS = ("widget", "email", "link", "api")
RECEIVED, PROCESSED = "received", "processed"
FAILED = "failed"  # failed the pipeline on its own; kept as received it would block the queue


class Response(db.Model):
    __tablename__ = "response"
    __table_args__ = (
        db.UniqueConstraint("brand_id", "idempotency_key"),
        db.Index("ix_response_brand_id_desc", "brand_id", "id"),
        db.Index("ix_response_status", "status", "id"),
        db.Index("ix_response_customer", "customer_id", "phase_id"),
        # the API's survey filter, newest first, and a survey's delete (its foreign key)
        db.Index("ix_response_survey", "survey_id", "id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    journey_id = db.Column(
        db.Integer, db.ForeignKey("journey.id", ondelete="CASCADE"), nullable=False
    )
    phase_id = db.Column(db.Integer, db.ForeignKey("phase.id", ondelete="CASCADE"), nullable=False)
    survey_id = db.Column(
        db.Integer, db.ForeignKey("survey.id", ondelete="CASCADE"), nullable=False
    )
    customer_id = db.Column(db.Integer, db.ForeignKey("customer.id", ondelete="SET NULL"))
    persona_id = db.Column(db.Integer)  # the customer's persona when answering, for rollups
    touchpoint_id = db.Column(db.Integer, db.ForeignKey("touchpoint.id", ondelete="SET NULL"))
    # The order the answer is about: its invitation's, the API's "order", or the customer's
    # latest order in the phase (services.orders); loyalty's once-rule is per order.
    order_ref = db.Column(db.String(64))
    channel = db.Column(db.String(16), nullable=False)
    locale = db.Column(db.String(8), nullable=False)
    answers = db.Column(JsonType, nullable=False)
    idempotency_key = db.Column(db.String(128))
    request_hash = db.Column(db.String(64))  # tells a retry from a different body under one key
    client_hash = db.Column(db.String(64))  # salted hash of the client IP; raw IPs are never stored
    review_request = db.Column(JsonType)  # the customer's consent step, turned into a review later
    incentivized = db.Column(db.Boolean, nullable=False, default=False)  # points were offered
    status = db.Column(db.String(16), nullable=False, default=RECEIVED)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    processed_at = db.Column(db.DateTime)

    # Copies of the typed answers, so rollups and filters need no JSON digging.
    nps = db.Column(db.SmallInteger)
    csat = db.Column(db.SmallInteger)
    ces = db.Column(db.SmallInteger)
    emotion = db.Column(db.String(16))
    comment = db.Column(db.Text)

    # Written by the pipeline.
    nps_category = db.Column(db.String(12))
    sentiment_polarity = db.Column(db.Float)
    sentiment_label = db.Column(db.String(10))
    language = db.Column(db.String(8))

    survey = db.relationship("Survey")
    phase = db.relationship("Phase")
    customer = db.relationship("Customer")
    # Loaded only where shown (the phase page's follow-up list, the API's listing).
    handled = db.relationship("FollowUpHandled", uselist=False, viewonly=True)

    @property
    def sentiment(self) -> dict | None:
        if self.sentiment_label is None:
            return None
        return {"polarity": self.sentiment_polarity, "label": self.sentiment_label}
