"""journey, survey, journey_event: idempotency_key, request_hash; journey_event.first_time

POST /api/v1/journeys, /surveys and /events take an Idempotency-Key, as answers and invitations
do: a client that retries a create after a lost connection or a 503 made a second journey or
survey (and a second event). The key is unique per brand. An event keeps whether it reached its
phase for the first time, so that a retry is answered as the first try was.

Revision ID: 0031_idempotent_creates
Revises: 0030_loyalty_first_points
Create Date: 2026-12-07 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0031_idempotent_creates"
down_revision = "0030_loyalty_first_points"
branch_labels = None
depends_on = None

TABLES = ("journey", "survey", "journey_event")


def upgrade():
    # Plain ADD COLUMNs, not a batch: a batch rebuilds the table on SQLite, and survey keeps
    # its AUTOINCREMENT (0012; its ids are rollup keys).
    for table in TABLES:
        op.add_column(table, sa.Column("idempotency_key", sa.String(128), nullable=True))
        op.add_column(table, sa.Column("request_hash", sa.String(64), nullable=True))
        # Partial: the rows already there have no key, and a full index of a large
        # journey_event would be built over all of them, holding off its writes meanwhile.
        op.create_index(
            f"ix_{table}_brand_idempotency_key",
            table,
            ["brand_id", "idempotency_key"],
            unique=True,
            postgresql_where=sa.text("idempotency_key IS NOT NULL"),
            sqlite_where=sa.text("idempotency_key IS NOT NULL"),
        )
    op.add_column("journey_event", sa.Column("first_time", sa.Boolean(), nullable=True))


def downgrade():
    op.drop_column("journey_event", "first_time")
    for table in TABLES:
        op.drop_index(f"ix_{table}_brand_idempotency_key", table_name=table)
        op.drop_column(table, "request_hash")
        op.drop_column(table, "idempotency_key")
