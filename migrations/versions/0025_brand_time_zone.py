"""brand.time_zone: the days customers read are the brand's own

An answer given at 00:30 in Amsterdam was dated the day before on review pages, and an
invitation's link said it worked "until 4 February" but stopped at the time of day it was
sent. The brand's IANA zone (Europe/Amsterdam for every brand there is) dates them.

Revision ID: 0025_brand_time_zone
Revises: 0024_weekly_report
Create Date: 2026-12-06 21:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_brand_time_zone"
down_revision = "0024_weekly_report"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN, as 0021: SQLite takes it in place.
    op.add_column(
        "brand",
        sa.Column(
            "time_zone", sa.String(length=64), nullable=False, server_default="Europe/Amsterdam"
        ),
    )


def downgrade():
    op.drop_column("brand", "time_zone")
