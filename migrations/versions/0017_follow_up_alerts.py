"""follow-up alerts: user_account.alerts_on and alert_phases, and the alert outbox

A dashboard user can ask for an email when an answer needs a follow-up (a detractor, a low
CSAT, a high effort, a negative written answer), for every phase or some. The pipeline writes
one alert row per user and answer; a job on the email queue sends them. Everyone starts with
alerts off.

Revision ID: 0017_follow_up_alerts
Revises: 0016_choice_rollup
Create Date: 2026-12-10 10:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017_follow_up_alerts"
down_revision = "0016_choice_rollup"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("alerts_on", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "alert_phases",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default="[]",
            )
        )
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brand.id"], name=op.f("fk_alert_brand_id_brand"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_alert_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_alert_response_id_response"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
        sa.UniqueConstraint("user_id", "response_id", name=op.f("uq_alert_user_id_response_id")),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index("ix_alert_status", ["status", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_response_id"), ["response_id"], unique=False)


def downgrade():
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_response_id"))
        batch_op.drop_index("ix_alert_status")
    op.drop_table("alert")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("alert_phases")
        batch_op.drop_column("alerts_on")
