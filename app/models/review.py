"""Public reviews made from consented answers, their moderation log, customers' flags and
the per-brand tally the public pages count with."""

from app.extensions import db
from app.models.base import JsonType, utcnow

PENDING, PUBLISHED, REJECTED, REMOVED = "pending", "published", "rejected", "removed"
STATUSES = (PENDING, PUBLISHED, REJECTED, REMOVED)
# The only grounds on which a review may be rejected or removed (EU Omnibus, DMCC, FTC 465).
GROUNDS = (
    "not_a_customer",
    "offensive",
    "personal_data",
    "spam",
    "conflict_of_interest",
    "off_topic",
)
# How a review was verified: the customer reached the phase, or was invited personally.
VERIFIED_BY = ("journey_event", "invitation_email", "invitation_link")
# Why the pipeline held a new review for a moderator (Review.hold_reasons), for the moderator.
HOLD_REASONS = ("fraud_signals", "unverified", "phase_policy")
RATING_SCALE = (1, 5)
# How an imported review's stars were given where it came from (Review.rating_source): 1-5
# stars as they are, or Kiyoh's 1-10 score mapped (services.review_import.stars_of).
IMPORTED_SCALES = ("stars", "score10")


class Review(db.Model):
    __tablename__ = "review"
    __table_args__ = (
        # The public list, newest first, paged by OFFSET: the whole ORDER BY (id breaks ties)
        # and the phase filter are in the index, so skipping to a deep page reads only it.
        db.Index("ix_review_public", "brand_id", "status", "published_at", "id", "phase_id"),
        db.Index("ix_review_brand_updated", "brand_id", "updated_at"),
        db.Index("ix_review_brand_client", "brand_id", "client_hash"),
        db.Index("ix_review_brand_body", "brand_id", "body_hash"),
        db.Index("ix_review_customer", "customer_id"),  # erasure finds hers
        db.Index("ix_review_brand_created", "brand_id", "created_at"),  # the weekly report
        # An import names each review by the other site's id: the same file twice adds nothing.
        db.UniqueConstraint("brand_id", "source", "external_ref", name="uq_review_external_ref"),
    )

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    # One review per response: the unique key makes the pipeline step idempotent. None for a
    # review imported from another site (`source`), which no answer here made.
    response_id = db.Column(
        db.Integer, db.ForeignKey("response.id", ondelete="CASCADE"), nullable=True, unique=True
    )
    journey_id = db.Column(
        db.Integer, db.ForeignKey("journey.id", ondelete="CASCADE"), nullable=False
    )
    phase_id = db.Column(db.Integer, db.ForeignKey("phase.id", ondelete="CASCADE"), nullable=False)
    customer_id = db.Column(db.Integer, db.ForeignKey("customer.id", ondelete="SET NULL"))

    rating = db.Column(db.SmallInteger, nullable=False)  # 1-5, whatever the question's scale
    # "nps" or "csat"; an imported review's "stars" or "score10" (IMPORTED_SCALES)
    rating_source = db.Column(db.String(8), nullable=False)
    source_score = db.Column(db.SmallInteger, nullable=False)  # the answer it came from
    title = db.Column(db.String(120))
    body = db.Column(db.Text, nullable=False)
    body_hash = db.Column(db.String(64), nullable=False)  # normalised text, for duplicates
    display_name = db.Column(db.String(60), nullable=False)
    locale = db.Column(db.String(8), nullable=False)
    channel = db.Column(db.String(16), nullable=False)
    verified = db.Column(db.Boolean, nullable=False, default=False)
    verified_by = db.Column(db.String(24))
    incentivized = db.Column(db.Boolean, nullable=False, default=False)

    status = db.Column(db.String(12), nullable=False, default=PENDING)
    fraud_signals = db.Column(JsonType, nullable=False, default=list)
    # Why the pipeline held it (HOLD_REASONS), [] when it published it at once; null for the
    # reviews made before it was recorded (their log line's note still says why).
    hold_reasons = db.Column(JsonType)
    client_hash = db.Column(db.String(64))  # copied from the response: salted, never a raw IP
    elapsed_ms = db.Column(db.Integer)  # time the customer spent before consenting, if known
    flag_count = db.Column(db.Integer, nullable=False, default=0)

    reply_body = db.Column(db.Text)
    reply_by = db.Column(db.String(120))
    replied_at = db.Column(db.DateTime)

    answered_at = db.Column(db.DateTime, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    published_at = db.Column(db.DateTime)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    removed_at = db.Column(db.DateTime)
    removal_ground = db.Column(db.String(32))

    # Imported from another site (Kiyoh, Trustpilot, Google, a spreadsheet): where from, under
    # which id there, and when. answered_at is then the day it was written there.
    source = db.Column(db.String(40))
    external_ref = db.Column(db.String(200))
    imported_at = db.Column(db.DateTime)

    phase = db.relationship("Phase")
    customer = db.relationship("Customer")
    moderation = db.relationship(
        "ModerationEntry",
        back_populates="review",
        order_by="ModerationEntry.id",
        cascade="all, delete-orphan",
    )
    flags = db.relationship(
        "ReviewFlag",
        back_populates="review",
        order_by="ReviewFlag.id",
        cascade="all, delete-orphan",
    )

    @property
    def was_public(self) -> bool:
        return self.published_at is not None

    @property
    def imported(self) -> bool:
        return self.source is not None


class ModerationEntry(db.Model):
    """One line of a review's moderation log: who did what, when and on which ground."""

    __tablename__ = "review_moderation"

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    review_id = db.Column(
        db.Integer, db.ForeignKey("review.id", ondelete="CASCADE"), nullable=False, index=True
    )
    action = db.Column(db.String(16), nullable=False)  # hold, publish, reject, remove, reply, flag
    ground = db.Column(db.String(32))
    note = db.Column(db.Text)
    actor = db.Column(db.String(120), nullable=False)
    from_status = db.Column(db.String(12))
    to_status = db.Column(db.String(12))
    # What the reviewer was told, in their language, and whether it was mailed or only recorded.
    notice = db.Column(JsonType)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    review = db.relationship("Review", back_populates="moderation")


class ReviewFlag(db.Model):
    """A reader's report that a review breaks the rules; one per reader (client hash)."""

    __tablename__ = "review_flag"
    __table_args__ = (db.UniqueConstraint("review_id", "client_hash"),)

    REASONS = (*GROUNDS, "fake", "other")

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    review_id = db.Column(
        db.Integer, db.ForeignKey("review.id", ondelete="CASCADE"), nullable=False
    )
    reason = db.Column(db.String(32), nullable=False)
    note = db.Column(db.Text)
    client_hash = db.Column(db.String(64), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    review = db.relationship("Review", back_populates="flags")


TALLY_KEY = ("brand_id", "phase_id", "rating")


class ReviewTally(db.Model):
    """Per brand × phase × rating: how many reviews are in each status, kept by
    app/services/review_tally.py in the transaction of every change; the public pages read
    these instead of counting a large brand's reviews on every request."""

    __tablename__ = "review_tally"
    __table_args__ = (db.UniqueConstraint(*TALLY_KEY, name="uq_review_tally_key"),)

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    # Deleting a phase deletes its reviews (their foreign key cascades) and so its tally rows.
    phase_id = db.Column(db.Integer, db.ForeignKey("phase.id", ondelete="CASCADE"), nullable=False)
    rating = db.Column(db.SmallInteger, nullable=False)
    pending = db.Column(db.Integer, nullable=False, default=0)
    published = db.Column(db.Integer, nullable=False, default=0)
    rejected = db.Column(db.Integer, nullable=False, default=0)
    removed = db.Column(db.Integer, nullable=False, default=0)
    # Of the published ones: the labels the pages and badge count.
    published_verified = db.Column(db.Integer, nullable=False, default=0)
    published_incentivized = db.Column(db.Integer, nullable=False, default=0)
    # Published at some time (published, or removed since): the pages' version counts them.
    ever_public = db.Column(db.Integer, nullable=False, default=0)
    # Of the published ones: those imported from another site, which the average and the
    # JSON-LD AggregateRating leave out (Google: only reviews the site collected itself).
    published_imported = db.Column(db.Integer, nullable=False, default=0)

    COUNTERS = (
        "pending",
        "published",
        "rejected",
        "removed",
        "published_verified",
        "published_incentivized",
        "ever_public",
        "published_imported",
    )
