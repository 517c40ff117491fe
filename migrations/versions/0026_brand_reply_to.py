"""brand.reply_to: customers' replies reach the brand

A customer who answered an invitation by replying ("the fitter was late") reached MAIL_FROM,
the operator's mailbox, and a reviewer told to "contact the brand" had no address to do it.
With brand.reply_to set, invitations and review notices carry it as Reply-To.

Revision ID: 0026_brand_reply_to
Revises: 0025_brand_time_zone
Create Date: 2026-12-06 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_brand_reply_to"
down_revision = "0025_brand_time_zone"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("brand", sa.Column("reply_to", sa.String(length=254), nullable=True))


def downgrade():
    op.drop_column("brand", "reply_to")
