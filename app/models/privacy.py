"""The log of privacy work: exports, erasures and retention runs, who asked, what changed;
and who opened a customer's page in the dashboard."""

from app.extensions import db
from app.models.base import JsonType, utcnow

EXPORT, ERASURE, RETENTION, VIEW = "export", "erasure", "retention", "view"


class PrivacyRequest(db.Model):
    __tablename__ = "privacy_request"
    __table_args__ = (db.Index("ix_privacy_request_subject", "brand_id", "subject"),)

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    kind = db.Column(db.String(16), nullable=False)
    # A keyed hash of the external id, never the id itself: it proves an erasure and makes a
    # repeated one answer "already erased", without keeping the identifier we erased.
    subject = db.Column(db.String(64))
    tombstone = db.Column(db.String(64))  # the external id the erased customer row now carries
    actor = db.Column(db.String(40), nullable=False)
    details = db.Column(JsonType, nullable=False, default=dict)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
