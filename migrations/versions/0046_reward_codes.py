"""reward_code and loyalty_entry.code: customers redeem points themselves for a voucher code

A brand uploads its shop's discount codes per catalogue reward (reward_code, the pool); a
redemption from the customer's page takes one of them in its own transaction and keeps it
on the ledger entry (loyalty_entry.code), which the page, the API and the webhook show.

Revision ID: 0046_reward_codes
Revises: 0045_review_import
Create Date: 2026-12-07 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0046_reward_codes"
down_revision = "0045_review_import"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reward_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("reward_key", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("handed_out_at", sa.DateTime(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["brand_id"], ["brand.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["entry_id"], ["loyalty_entry.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("brand_id", "code"),
    )
    op.create_index(
        "ix_reward_code_pool",
        "reward_code",
        ["brand_id", "reward_key", "handed_out_at", "id"],
        unique=False,
    )
    # A plain ADD COLUMN: a batch rebuild of loyalty_entry would set SQLite's sequence back.
    op.add_column("loyalty_entry", sa.Column("code", sa.String(length=64), nullable=True))


def downgrade():
    op.drop_column("loyalty_entry", "code")
    op.drop_index("ix_reward_code_pool", table_name="reward_code")
    op.drop_table("reward_code")
