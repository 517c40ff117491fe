"""brand.privacy_url: the brand's privacy statement, linked wherever customers give their data

The widget, the hosted survey, unsubscribe and loyalty pages, the invitation mails and the
review pages link it when set. Null, as every brand starts: no link.

Revision ID: 0037_brand_privacy_url
Revises: 0036_customer_phase_counted_day
Create Date: 2026-12-07 17:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0037_brand_privacy_url"
down_revision = "0036_customer_phase_counted_day"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: a batch rebuild of brand would set SQLite's sequence back (0018).
    op.add_column("brand", sa.Column("privacy_url", sa.String(500), nullable=True))


def downgrade():
    op.drop_column("brand", "privacy_url")
