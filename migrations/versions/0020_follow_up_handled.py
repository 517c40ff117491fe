"""follow-ups marked handled: follow_up_handled

An answer that needs a follow-up (services.follow_up) can be marked handled on the phase
page or through the API, so a team sees what is still open; reopening deletes the row.

Revision ID: 0020_follow_up_handled
Revises: 0019_went_on_to_any_later_phase
Create Date: 2026-12-06 18:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_follow_up_handled"
down_revision = "0019_went_on_to_any_later_phase"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "follow_up_handled",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("handled_at", sa.DateTime(), nullable=False),
        sa.Column("handled_by", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_follow_up_handled_response_id_response"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brand.id"],
            name=op.f("fk_follow_up_handled_brand_id_brand"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", name=op.f("pk_follow_up_handled")),
    )


def downgrade():
    op.drop_table("follow_up_handled")
