"""the weekly report: user_account.weekly_report_on and the weekly_report outbox

A dashboard user can have the week that ended mailed to them on Monday; one row per user and
week keeps the sweep that sends them (every few minutes, from cron) from sending a week twice.

Revision ID: 0024_weekly_report
Revises: 0023_invitation_idempotency_key
Create Date: 2026-12-06 21:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_weekly_report"
down_revision = "0023_invitation_idempotency_key"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN, as 0021: SQLite takes it in place.
    op.add_column(
        "user_account",
        sa.Column("weekly_report_on", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "weekly_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_weekly_report_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weekly_report")),
        sa.UniqueConstraint("user_id", "week_start", name=op.f("uq_weekly_report_user_id_week_start")),
    )
    op.create_index("ix_weekly_report_status", "weekly_report", ["status", "id"], unique=False)


def downgrade():
    op.drop_index("ix_weekly_report_status", table_name="weekly_report")
    op.drop_table("weekly_report")
    op.drop_column("user_account", "weekly_report_on")
