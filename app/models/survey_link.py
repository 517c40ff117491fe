"""A reusable, non-personal survey link for one phase (and touchpoint): a shop counter's QR."""

from app.extensions import db
from app.models.base import utcnow


class SurveyLink(db.Model):
    __tablename__ = "survey_link"

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(
        db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False, index=True
    )
    journey_id = db.Column(
        db.Integer, db.ForeignKey("journey.id", ondelete="CASCADE"), nullable=False
    )
    # A link points at a phase, not a survey version, so a printed QR code survives survey edits.
    phase_id = db.Column(db.Integer, db.ForeignKey("phase.id", ondelete="CASCADE"), nullable=False)
    touchpoint_id = db.Column(db.Integer, db.ForeignKey("touchpoint.id", ondelete="SET NULL"))
    name = db.Column(db.String(120), nullable=False)
    locale = db.Column(db.String(8))  # None: the visitor's browser language decides
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    phase = db.relationship("Phase")
    touchpoint = db.relationship("Touchpoint")
