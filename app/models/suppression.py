"""Addresses a brand may not email: the person behind them unsubscribed.

Keyed by a keyed hash of the normalised address (services.unsubscribes.address_hash), never
the address itself, so the row outlives the customer: a second external id with the same
address, or the same address added again after an erasure, is still not mailed.
"""

from app.extensions import db
from app.models.base import utcnow


class EmailSuppression(db.Model):
    __tablename__ = "email_suppression"
    __table_args__ = (db.UniqueConstraint("brand_id", "address_hash"),)

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    address_hash = db.Column(db.String(64), nullable=False)  # hex HMAC-SHA256
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
