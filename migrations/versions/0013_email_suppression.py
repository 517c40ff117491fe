"""email_suppression: a brand's unsubscribed addresses, kept as keyed hashes

An unsubscribe was only a mark on the customer row, so the same address under another external
id, or added again after an erasure, was mailed again. The customers already unsubscribed
with an address get their row here.

Revision ID: 0013_email_suppression
Revises: 0012_sqlite_ids
Create Date: 2026-12-09 12:00:00
"""

import hashlib
import hmac

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0013_email_suppression"
down_revision = "0012_sqlite_ids"
branch_labels = None
depends_on = None


def _hash(key: bytes, brand_id: int, email: str) -> str:
    # As app.services.unsubscribes.address_hash computes it (copied: a migration stays as run).
    return hmac.new(key, f"{brand_id}:{email.strip().lower()}".encode(), hashlib.sha256).hexdigest()


def upgrade():
    table = op.create_table(
        "email_suppression",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brand.id"],
            name=op.f("fk_email_suppression_brand_id_brand"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_suppression")),
        sa.UniqueConstraint(
            "brand_id", "address_hash", name=op.f("uq_email_suppression_brand_id_address_hash")
        ),
    )
    customer = sa.table(
        "customer",
        sa.column("brand_id", sa.Integer),
        sa.column("email", sa.String),
        sa.column("unsubscribed_at", sa.DateTime),  # typed: SQLite's come back as datetimes
    )
    rows = op.get_bind().execute(
        sa.select(customer.c.brand_id, customer.c.email, customer.c.unsubscribed_at).where(
            customer.c.unsubscribed_at.is_not(None), customer.c.email.is_not(None)
        )
    )
    key = current_app.config["SECRET_KEY"].encode()
    seen, suppressed = set(), []
    for brand_id, email, at in rows:
        row = (brand_id, _hash(key, brand_id, email))
        if email.strip() and row not in seen:
            seen.add(row)
            suppressed.append({"brand_id": row[0], "address_hash": row[1], "created_at": at})
    if suppressed:
        op.bulk_insert(table, suppressed)


def downgrade():
    op.drop_table("email_suppression")
