"""The outbox of follow-up alerts: one row per dashboard user and answer that needs a follow-up.

The pipeline inserts the rows (services.follow_up) in the batch's transaction; a job on the
`email` queue mails each user's pending rows (services.alerts) and marks them sent, skipped
(the user or the answer no longer qualifies) or failed (the mail server refused for good).
"""

from app.extensions import db
from app.models.base import utcnow

PENDING, SENT, SKIPPED, FAILED = "pending", "sent", "skipped", "failed"
STATUSES = (PENDING, SENT, SKIPPED, FAILED)


class Alert(db.Model):
    __tablename__ = "alert"
    __table_args__ = (
        # the backstop that makes the pipeline step idempotent (it inserts ignoring conflicts)
        db.UniqueConstraint("user_id", "response_id"),
        db.Index("ix_alert_status", "status", "id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    user_id = db.Column(
        db.Integer, db.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False
    )
    # Indexed on its own: a deleted answer (its survey or phase deleted) cascades here.
    response_id = db.Column(
        db.Integer, db.ForeignKey("response.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    status = db.Column(db.String(16), nullable=False, default=PENDING)
    sent_at = db.Column(db.DateTime)
    attempts = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    # The mail server's last reply, or why the alert was skipped.
    error = db.Column(db.String(300))
