"""touchpoint.former_names: a renamed touchpoint still answers to its old names

Widget snippets and API calls name a touchpoint by its name, and a site changes its snippets
later than a marketer renames the touchpoint: until then every answer they sent was refused
(422, the whole answer lost). The names before a rename are kept, newest first, and
journeys.find_touchpoint matches them after the current names. Existing touchpoints start
with none.

Revision ID: 0018_touchpoint_former_names
Revises: 0017_follow_up_alerts
Create Date: 2026-12-06 17:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018_touchpoint_former_names"
down_revision = "0017_follow_up_alerts"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    # A plain ADD COLUMN, which SQLite takes as well: a batch would rebuild the table there
    # and lose its AUTOINCREMENT (0012), and touchpoint ids are rollup keys.
    op.add_column(
        "touchpoint",
        sa.Column("former_names", JSON, nullable=False, server_default=sa.text("'[]'")),
    )


def downgrade():
    # DROP COLUMN as well (SQLite 3.35+): a batch rebuild would set the table's sequence back
    # to its highest id left, and a deleted touchpoint's id would be handed out again.
    op.drop_column("touchpoint", "former_names")
