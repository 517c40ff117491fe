"""An answer that needed a follow-up and was handled: who marked it, and when.

One row per handled answer; reopening deletes it. It holds no customer data (the answer and
its customer are where they were), so erasure and retention leave it alone.
"""

from app.extensions import db
from app.models.base import utcnow


class FollowUpHandled(db.Model):
    __tablename__ = "follow_up_handled"

    # The answer's own id: an answer is handled once (the first mark stands).
    response_id = db.Column(
        db.Integer, db.ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    handled_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # A label, not a foreign key: the login's email at the time, or "API". It stays readable
    # after that login is removed from the team.
    handled_by = db.Column(db.String(320), nullable=False)
