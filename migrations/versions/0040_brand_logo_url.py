"""brand.logo_url: the brand's logo atop its invitations and reminders

An https URL of an image on the brand's own site. Null, as every brand starts: the brand's
name heads the email, as before.

Revision ID: 0040_brand_logo_url
Revises: 0039_review_hold_reasons
Create Date: 2026-12-08 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0040_brand_logo_url"
down_revision = "0039_review_hold_reasons"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: a batch rebuild of brand would set SQLite's sequence back (0018).
    op.add_column("brand", sa.Column("logo_url", sa.String(500), nullable=True))


def downgrade():
    op.drop_column("brand", "logo_url")
