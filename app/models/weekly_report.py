"""The outbox of weekly reports: one row per dashboard user and week reported on.

The workers' looks every few minutes (without Redis, the web process's) and `flask pipeline
sweep` make the rows of the week that ended for every user who turned the report on, and mail
them (services.weekly_report); the unique (user, week) is what keeps a look that runs every
few minutes, or two at once, from sending a week twice.
"""

from app.extensions import db
from app.models.base import utcnow

PENDING, SENT, SKIPPED, FAILED = "pending", "sent", "skipped", "failed"


class WeeklyReport(db.Model):
    __tablename__ = "weekly_report"
    __table_args__ = (
        db.UniqueConstraint("user_id", "week_start"),
        db.Index("ix_weekly_report_status", "status", "id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(
        db.Integer, db.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False
    )
    # The Monday (UTC) of the week reported on: the week runs from it to the Sunday after.
    week_start = db.Column(db.Date, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    status = db.Column(db.String(16), nullable=False, default=PENDING)
    sent_at = db.Column(db.DateTime)
    attempts = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    # The mail server's last reply, or why the report was skipped.
    error = db.Column(db.String(300))
