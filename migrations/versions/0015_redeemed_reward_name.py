"""loyalty_entry.reward_name: a redemption keeps the reward's name as it was

The ledger named a redemption by its reward key only and looked the name up in today's
catalogue, so renaming a reward rewrote every customer's history and removing it showed the
raw key. Entries made before this keep no name and still fall back to the catalogue.

Revision ID: 0015_redeemed_reward_name
Revises: 0014_brand_profile
Create Date: 2026-12-06 16:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015_redeemed_reward_name"
down_revision = "0014_brand_profile"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    with op.batch_alter_table("loyalty_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reward_name", JSON, nullable=True))


def downgrade():
    with op.batch_alter_table("loyalty_entry", schema=None) as batch_op:
        batch_op.drop_column("reward_name")
