"""review.hold_reasons: why the pipeline held a new review for a moderator

A brand may now hold unverified reviews for a moderator whatever its phase policy
(review_policy.unverified); the moderator sees which rule held a review: fraud signals, the
review being unverified, or the phase's policy. Null for the reviews made before: their
moderation log's note says why.

Revision ID: 0039_review_hold_reasons
Revises: 0038_journey_archive
Create Date: 2026-12-08 10:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0039_review_hold_reasons"
down_revision = "0038_journey_archive"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    # A plain ADD COLUMN: a batch rebuild of review would set SQLite's sequence back (0018).
    op.add_column("review", sa.Column("hold_reasons", JSON, nullable=True))


def downgrade():
    op.drop_column("review", "hold_reasons")
