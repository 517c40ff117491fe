"""survey.revision: bumped by in-place edits, checked by intake's INSERT

Revision ID: 0009_survey_revision
Revises: 0008_customer_erased_at
Create Date: 2026-12-06 10:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_survey_revision"
down_revision = "0008_customer_erased_at"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("revision", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade():
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.drop_column("revision")
