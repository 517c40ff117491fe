"""brand.send_from_hour, send_until_hour: the hours in which scheduled emails go out

Invitations a journey event schedules and reminders wait, if need be, for the brand's sending
hours (in its time zone). Both null, as every brand starts: any hour.

Revision ID: 0035_brand_send_hours
Revises: 0034_survey_reminders
Create Date: 2026-12-07 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0035_brand_send_hours"
down_revision = "0034_survey_reminders"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs: a batch rebuild of brand would set SQLite's sequence back (0018).
    op.add_column("brand", sa.Column("send_from_hour", sa.Integer(), nullable=True))
    op.add_column("brand", sa.Column("send_until_hour", sa.Integer(), nullable=True))


def downgrade():
    op.drop_column("brand", "send_until_hour")
    op.drop_column("brand", "send_from_hour")
