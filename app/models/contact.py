"""Each time a known customer was asked (widget shown, invitation queued): the contact budget."""

from app.extensions import db
from app.models.base import utcnow


class Contact(db.Model):
    __tablename__ = "contact"
    __table_args__ = (
        db.Index("ix_contact_customer", "customer_id", "created_at"),
        # The dashboard phase page counts who was asked about a phase over a period.
        db.Index("ix_contact_phase_created", "phase_id", "created_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    customer_id = db.Column(
        db.Integer, db.ForeignKey("customer.id", ondelete="CASCADE"), nullable=False
    )
    journey_id = db.Column(
        db.Integer, db.ForeignKey("journey.id", ondelete="CASCADE"), nullable=False
    )
    phase_id = db.Column(db.Integer, db.ForeignKey("phase.id", ondelete="CASCADE"), nullable=False)
    channel = db.Column(db.String(16), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
