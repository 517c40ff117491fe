"""phase.in_funnel: a phase outside the funnel (service, returns) is no step of conversion

True, as every phase was: a step of the funnel, counted by position as before. False: its
answers, reach and NPS are its own, and nobody goes on from it or drops off before it. The
conversion rollups of a journey whose flag changes are counted again then (conversion.recount).

Revision ID: 0044_phase_in_funnel
Revises: 0043_journey_orders
Create Date: 2026-12-08 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0044_phase_in_funnel"
down_revision = "0043_journey_orders"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: a batch rebuild of phase would set SQLite's sequence back (0018).
    op.add_column(
        "phase",
        sa.Column("in_funnel", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade():
    op.drop_column("phase", "in_funnel")
