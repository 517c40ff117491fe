"""loyalty: per-brand loyalty policy and the append-only points ledger

Revision ID: 0003_loyalty
Revises: 0002_channels
Create Date: 2026-11-23 12:00:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003_loyalty"
down_revision = "0002_channels"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    op.create_table(
        "loyalty_policy",
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("points_per_answer", sa.Integer(), nullable=False),
        sa.Column("text_bonus", sa.Integer(), nullable=False),
        sa.Column("text_min_chars", sa.Integer(), nullable=False),
        sa.Column("review_bonus", sa.Integer(), nullable=False),
        sa.Column("daily_cap", sa.Integer(), nullable=True),
        sa.Column("expiry_months", sa.Integer(), nullable=True),
        sa.Column("rewards", JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brand.id"],
            name=op.f("fk_loyalty_policy_brand_id_brand"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("brand_id", name=op.f("pk_loyalty_policy")),
    )
    op.create_table(
        "loyalty_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("source_type", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("reward", sa.String(length=64), nullable=True),
        sa.Column("phase_id", sa.Integer(), nullable=True),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("effective_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('earn', 'redeem', 'expire', 'clawback', 'adjust')",
            name=op.f("ck_loyalty_entry_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brand.id"],
            name=op.f("fk_loyalty_entry_brand_id_brand"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_loyalty_entry_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["phase_id"],
            ["phase.id"],
            name=op.f("fk_loyalty_entry_phase_id_phase"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_loyalty_entry_response_id_response"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loyalty_entry")),
        sa.UniqueConstraint(
            "brand_id",
            "source_type",
            "source_id",
            "reason",
            name=op.f("uq_loyalty_entry_brand_id_source_type_source_id_reason"),
        ),
    )
    with op.batch_alter_table("loyalty_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_loyalty_entry_customer",
            ["customer_id", "id"],
            unique=False,
            postgresql_include=["brand_id", "points"],
        )
        batch_op.create_index("ix_loyalty_entry_response", ["response_id"], unique=False)
        batch_op.create_index(
            "ix_loyalty_entry_brand_kind", ["brand_id", "kind", "effective_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("loyalty_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_loyalty_entry_brand_kind")
        batch_op.drop_index("ix_loyalty_entry_response")
        batch_op.drop_index("ix_loyalty_entry_customer")
    op.drop_table("loyalty_entry")
    op.drop_table("loyalty_policy")
