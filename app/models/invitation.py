"""An invitation to answer one survey: emailed (queued, sent or skipped), or a personal link
handed to the brand to deliver itself (issued or skipped), and used once.

Rows with channel "widget" are only ever skipped: the contact budget's "no" to a widget ask,
kept once per customer, phase and day (contact_budget.record_widget_skip).
"""

from app.extensions import db
from app.models.base import utcnow
from app.models.customer import ORDER_LENGTH

QUEUED, SENT, SKIPPED, FAILED = "queued", "sent", "skipped", "failed"
# Made by a journey event for a survey that invites on reach: asked (queued or skipped by the
# contact budget) once `queued_at`, its due moment, has come (invitations.queue_due).
SCHEDULED = "scheduled"
# Channel "link": the brand asked for the personal link to carry in its own email or on a
# packing slip. Phasewise sends nothing, so it is never queued, sent or failed.
ISSUED = "issued"
STATUSES = (SCHEDULED, QUEUED, SENT, ISSUED, SKIPPED, FAILED)
EMAIL, LINK = "email", "link"
CHANNELS = (EMAIL, LINK)  # what the invitations API makes; "widget" rows are the budget's
# Why a failed one failed. REFUSED: the server refused the address or the email for good (a
# 5xx); sent again it would be refused again, unless the address was corrected. TEMPORARY: the
# server was down or said "later" for MAIL_RETRY_HOURS. FAULT: the email could not be made (a
# bug, bad data) for as long. The last two are worth sending again once the cause is gone.
REFUSED, TEMPORARY, FAULT = "refused", "temporary", "fault"
FAILURES = (REFUSED, TEMPORARY, FAULT)
WORTH_RETRYING = (TEMPORARY, FAULT)


class Invitation(db.Model):
    __tablename__ = "invitation"
    __table_args__ = (
        db.Index("ix_invitation_brand_status", "brand_id", "status"),
        db.Index("ix_invitation_customer", "customer_id", "created_at"),
        # a retried POST with the same Idempotency-Key finds the first invitation
        db.Index("ix_invitation_brand_idempotency_key", "brand_id", "idempotency_key", unique=True),
        # Deleting a contact (an erasure) sets this to NULL: without the index, a scan each.
        db.Index("ix_invitation_contact", "contact_id"),
        # the sweep's scheduled invitations that are due
        db.Index("ix_invitation_status_queued_at", "status", "queued_at"),
        # the reminders that are due (NULL for all others: done, or none planned)
        db.Index("ix_invitation_remind_at", "remind_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    customer_id = db.Column(
        db.Integer, db.ForeignKey("customer.id", ondelete="CASCADE"), nullable=False
    )
    survey_id = db.Column(
        db.Integer, db.ForeignKey("survey.id", ondelete="CASCADE"), nullable=False
    )
    phase_id = db.Column(db.Integer, db.ForeignKey("phase.id", ondelete="CASCADE"), nullable=False)
    touchpoint_id = db.Column(db.Integer, db.ForeignKey("touchpoint.id", ondelete="SET NULL"))
    # The order it asks about (a journey event's, or the API's "order"): its answer belongs to
    # that order, earns for it, and skips only what was scheduled for the same order.
    order_ref = db.Column(db.String(ORDER_LENGTH))
    channel = db.Column(db.String(16), nullable=False, default="email")
    locale = db.Column(db.String(8), nullable=False)
    status = db.Column(db.String(16), nullable=False, default=QUEUED)
    # Why it was not sent: unsubscribed, or the contact-budget rule that said no.
    skip_reason = db.Column(db.String(32))
    attempts = db.Column(db.Integer, nullable=False, default=0)
    last_error = db.Column(db.String(300))
    failure = db.Column(db.String(16))  # one of FAILURES, when failed
    # The ask of the contact budget this invitation spent: released when it fails (the
    # customer was never asked), so that inviting her again is not held back by it.
    contact_id = db.Column(db.Integer, db.ForeignKey("contact.id", ondelete="SET NULL"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # When it was last queued by "send again" or, scheduled, is due (None: when created).
    # MAIL_RETRY_HOURS count from here, or an invitation sent again after an outage would
    # fail at its first 4xx.
    queued_at = db.Column(db.DateTime)
    sent_at = db.Column(db.DateTime)
    expires_at = db.Column(db.DateTime, nullable=False)
    # The single-use marker for the page, set just after the answer is stored. Single use
    # itself does not rest on it: the answer's Idempotency-Key is the invitation's (inv:<id>).
    used_at = db.Column(db.DateTime)
    response_id = db.Column(db.Integer, db.ForeignKey("response.id", ondelete="SET NULL"))
    # One reminder to a sent invitation not yet answered, if its survey asks for one: due at
    # remind_at (set when sent; NULL again once it went out or was skipped), sent at
    # reminded_at, or skipped for reminder_skip_reason (one of reminders.SKIP_REASONS).
    # reminder_taken_at: when a look handed it to a sender, or a sender claimed it; others
    # leave it alone for reminders.LEASE (app.services.reminders).
    remind_at = db.Column(db.DateTime)
    reminded_at = db.Column(db.DateTime)
    reminder_skip_reason = db.Column(db.String(32))
    reminder_taken_at = db.Column(db.DateTime)
    idempotency_key = db.Column(db.String(128))  # the API's; tells a retry from a new request
    request_hash = db.Column(db.String(64))

    customer = db.relationship("Customer")
    survey = db.relationship("Survey")
    phase = db.relationship("Phase")
    contact = db.relationship("Contact")

    @property
    def waiting_since(self):
        """Since when it waits to be sent: what MAIL_RETRY_HOURS count from."""
        return self.queued_at or self.created_at
