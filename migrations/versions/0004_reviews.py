"""reviews: reviews made from consented answers, their moderation log and readers' flags

Revision ID: 0004_reviews
Revises: 0003_loyalty
Create Date: 2026-11-23 12:00:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_reviews"
down_revision = "0003_loyalty"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("rating_source", sa.String(length=8), nullable=False),
        sa.Column("source_score", sa.SmallInteger(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=60), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("verified_by", sa.String(length=24), nullable=True),
        sa.Column("incentivized", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("fraud_signals", JSON, nullable=False),
        sa.Column("client_hash", sa.String(length=64), nullable=True),
        sa.Column("elapsed_ms", sa.Integer(), nullable=True),
        sa.Column("flag_count", sa.Integer(), nullable=False),
        sa.Column("reply_body", sa.Text(), nullable=True),
        sa.Column("reply_by", sa.String(length=120), nullable=True),
        sa.Column("replied_at", sa.DateTime(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.Column("removal_ground", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brand.id"], name=op.f("fk_review_brand_id_brand"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_review_response_id_response"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["journey_id"],
            ["journey.id"],
            name=op.f("fk_review_journey_id_journey"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["phase_id"], ["phase.id"], name=op.f("fk_review_phase_id_phase"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_review_customer_id_customer"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review")),
        sa.UniqueConstraint("response_id", name=op.f("uq_review_response_id")),
    )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.create_index("ix_review_public", ["brand_id", "status", "published_at"])
        batch_op.create_index("ix_review_brand_updated", ["brand_id", "updated_at"])
        batch_op.create_index("ix_review_brand_client", ["brand_id", "client_hash"])
        batch_op.create_index("ix_review_brand_body", ["brand_id", "body_hash"])

    op.create_table(
        "review_moderation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("ground", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=True),
        sa.Column("notice", JSON, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brand.id"],
            name=op.f("fk_review_moderation_brand_id_brand"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["review.id"],
            name=op.f("fk_review_moderation_review_id_review"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_moderation")),
    )
    with op.batch_alter_table("review_moderation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_moderation_review_id"), ["review_id"])

    op.create_table(
        "review_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("client_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brand.id"],
            name=op.f("fk_review_flag_brand_id_brand"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["review.id"],
            name=op.f("fk_review_flag_review_id_review"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_flag")),
        sa.UniqueConstraint(
            "review_id", "client_hash", name=op.f("uq_review_flag_review_id_client_hash")
        ),
    )


def downgrade():
    op.drop_table("review_flag")
    with op.batch_alter_table("review_moderation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_moderation_review_id"))
    op.drop_table("review_moderation")
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index("ix_review_brand_body")
        batch_op.drop_index("ix_review_brand_client")
        batch_op.drop_index("ix_review_brand_updated")
        batch_op.drop_index("ix_review_public")
    op.drop_table("review")
