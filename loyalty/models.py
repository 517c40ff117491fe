"""The loyalty tables: one policy row per brand, the append-only ledger of point entries, and
each customer's first moment in it."""

from datetime import UTC, datetime

from sqlalchemy import JSON
from sqlalchemy.dialects.postgresql import JSONB

from app.extensions import db

# JSONB on PostgreSQL, JSON text elsewhere (the same variant the app's models use).
JsonType = JSON().with_variant(JSONB(), "postgresql")

KINDS = ("earn", "redeem", "expire", "clawback", "adjust")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def naive_utc(moment: datetime) -> datetime:
    """A moment as stored: naive UTC (an aware one kept its wall-clock time on PostgreSQL in
    the session's zone, and its UTC one on SQLite)."""
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


class LoyaltyPolicy(db.Model):
    """A brand's rules. No row means the default policy (see loyalty.policy.DEFAULTS)."""

    __tablename__ = "loyalty_policy"

    brand_id = db.Column(
        db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), primary_key=True
    )
    enabled = db.Column(db.Boolean, nullable=False, default=True)
    points_per_answer = db.Column(db.Integer, nullable=False)
    text_bonus = db.Column(db.Integer, nullable=False)
    text_min_chars = db.Column(db.Integer, nullable=False)
    review_bonus = db.Column(db.Integer, nullable=False)
    daily_cap = db.Column(
        db.Integer
    )  # points a customer can earn by answering per day; None = no cap
    expiry_months = db.Column(db.Integer)  # None = points never expire
    rewards = db.Column(JsonType, nullable=False, default=list)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)


# What an entry shows its readers (the API, exports, the customer's page), in this order.
ENTRY_FIELDS = (
    "id",
    "kind",
    "points",
    "reason",
    "note",
    "reward",
    "reward_name",
    "code",
    "source_type",
    "source_id",
    "phase_id",
    "response_id",
    "review_id",
    "effective_at",
    "created_at",
)


class LedgerEntry(db.Model):
    """One movement of points. Rows are only ever inserted: a balance is SUM(points)."""

    __tablename__ = "loyalty_entry"
    __table_args__ = (
        # What makes every award idempotent: the at-least-once pipeline may call it again.
        db.UniqueConstraint("brand_id", "source_type", "source_id", "reason"),
        db.CheckConstraint(
            "kind IN ('earn', 'redeem', 'expire', 'clawback', 'adjust')", name="kind"
        ),
        # Covers balances (SUM of points) and ledger pages with index-only scans on PostgreSQL.
        db.Index(
            "ix_loyalty_entry_customer",
            "customer_id",
            "id",
            postgresql_include=["brand_id", "points"],
        ),
        db.Index("ix_loyalty_entry_response", "response_id"),
        db.Index("ix_loyalty_entry_brand_kind", "brand_id", "kind", "effective_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    customer_id = db.Column(
        db.Integer, db.ForeignKey("customer.id", ondelete="CASCADE"), nullable=False
    )
    kind = db.Column(db.String(12), nullable=False)
    points = db.Column(db.Integer, nullable=False)  # signed: earn > 0, redeem/expire/clawback < 0
    source_type = db.Column(db.String(32), nullable=False)
    source_id = db.Column(db.String(64), nullable=False)
    reason = db.Column(db.String(200), nullable=False)
    note = db.Column(db.String(200))
    reward = db.Column(db.String(64))  # the reward key of a redemption
    # The reward's name as the catalogue had it when redeemed (a text or {locale: text}):
    # a later rename or removal must not rewrite the customer's history.
    reward_name = db.Column(
        JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
    )
    # The voucher code a self-service redemption handed out from the reward's pool (RewardCode):
    # the customer reads it on her page, and the shop's webhook receives it.
    code = db.Column(db.String(64))
    phase_id = db.Column(db.Integer, db.ForeignKey("phase.id", ondelete="SET NULL"))
    response_id = db.Column(db.Integer, db.ForeignKey("response.id", ondelete="SET NULL"))
    review_id = db.Column(db.Integer)  # no foreign key: reviews live in their own migration
    # When the points were earned or spent (an answer's time); expiry counts from here.
    effective_at = db.Column(db.DateTime, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in ENTRY_FIELDS}


class LoyaltyMember(db.Model):
    """When a customer's first ledger entry at a brand took effect: MIN(effective_at) of their
    entries, kept by loyalty.members as entries are written. The dashboard's "programme vs.
    others" compares a reach with it, where it looked for an older entry per reach (19–39 s
    at 800k reaches in the scale audit).

    Its own table, not a customer column: loyalty owns no app table, the customer row stays
    out of every award's write, and the report joins a narrow row per member only."""

    __tablename__ = "loyalty_member"

    brand_id = db.Column(
        db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id = db.Column(
        db.Integer, db.ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True
    )
    first_points_at = db.Column(db.DateTime, nullable=False)


class RewardCode(db.Model):
    """One voucher code a brand uploaded for a catalogue reward (its shop's discount code).

    A code is handed out once: `handed_out_at` is set in the transaction of the redemption
    that took it, and never cleared. The entry keeps the code too, so the customer's history
    shows it; `entry_id` goes to null when a customer row is deleted, `handed_out_at` stays,
    so a code never returns to the pool."""

    __tablename__ = "reward_code"
    __table_args__ = (
        # Unique per brand, not per reward: the same shop code in two pools would reach two
        # customers as if it were two vouchers.
        db.UniqueConstraint("brand_id", "code"),
        db.Index("ix_reward_code_pool", "brand_id", "reward_key", "handed_out_at", "id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    brand_id = db.Column(db.Integer, db.ForeignKey("brand.id", ondelete="CASCADE"), nullable=False)
    reward_key = db.Column(db.String(64), nullable=False)
    code = db.Column(db.String(64), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    handed_out_at = db.Column(db.DateTime)
    entry_id = db.Column(db.Integer, db.ForeignKey("loyalty_entry.id", ondelete="SET NULL"))
