"""journey.archived_at, journey.surveys_to_resume: a journey can be archived and restored

A journey made by mistake, or the copy an import of an existing export makes, stayed for
good in every journey picker and kept its surveys asking. Archiving switches its active
surveys off and keeps their ids, so that a restore switches the same ones on again; its
answers, reviews, points and rollups stay. Existing journeys start not archived.

Revision ID: 0038_journey_archive
Revises: 0037_brand_privacy_url
Create Date: 2026-12-08 10:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0038_journey_archive"
down_revision = "0037_brand_privacy_url"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    # Plain ADD COLUMNs: a batch rebuild of journey would set SQLite's sequence back (0018).
    op.add_column("journey", sa.Column("archived_at", sa.DateTime(), nullable=True))
    op.add_column(
        "journey",
        sa.Column("surveys_to_resume", JSON, nullable=False, server_default=sa.text("'[]'")),
    )


def downgrade():
    op.drop_column("journey", "surveys_to_resume")
    op.drop_column("journey", "archived_at")
