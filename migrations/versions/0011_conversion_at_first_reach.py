"""customer_phase.value and persona_id: what the conversion rollups count each first reach with

Revision ID: 0011_conversion_at_first_reach
Revises: 0010_survey_whole_locales
Create Date: 2026-12-06 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_conversion_at_first_reach"
down_revision = "0010_survey_whole_locales"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("customer_phase", schema=None) as batch_op:
        batch_op.add_column(sa.Column("value", sa.Float(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("persona_id", sa.Integer(), nullable=False, server_default="0")
        )
    # What the conversion rollups were counted with: the customer's value (else the value of
    # the phase's first event) and persona. Their later changes are not known any more.
    op.execute(
        """
        UPDATE customer_phase SET
          persona_id = COALESCE(
            (SELECT c.persona_id FROM customer c WHERE c.id = customer_phase.customer_id), 0),
          value = COALESCE(
            (SELECT c.value FROM customer c WHERE c.id = customer_phase.customer_id),
            (SELECT e.value FROM journey_event e
              WHERE e.customer_id = customer_phase.customer_id
                AND e.phase_id = customer_phase.phase_id
              ORDER BY e.occurred_at, e.id LIMIT 1),
            0)
        """
    )


def downgrade():
    with op.batch_alter_table("customer_phase", schema=None) as batch_op:
        batch_op.drop_column("persona_id")
        batch_op.drop_column("value")
