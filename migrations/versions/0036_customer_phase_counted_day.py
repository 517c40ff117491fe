"""customer_phase.counted_day: the brand's day a first reach is counted on in the rollups

The conversion and dwell rollups count a customer's share on the brand's day of their first
reach of a phase. That day was worked out from the brand's time zone each time a share was
added or taken away, so after a change of zone a new value, persona or later reach took the
old share away from another day than it was added to (a day could show -1 converted). The
day is now kept with the reach. Rows counted before this revision are given the day in the
brand's zone now: the one the code took them away from until now.

Revision ID: 0036_customer_phase_counted_day
Revises: 0035_brand_send_hours
Create Date: 2026-12-07 15:00:00
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0036_customer_phase_counted_day"
down_revision = "0035_brand_send_hours"
branch_labels = None
depends_on = None

CHUNK = 5000


def upgrade():
    # A plain ADD COLUMN (nullable: a row an older worker adds during the upgrade is counted on
    # its day in the zone then, as before), not a batch that would rebuild the table.
    op.add_column("customer_phase", sa.Column("counted_day", sa.Date(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "UPDATE customer_phase AS cp"
            " SET counted_day = (cp.first_reached_at AT TIME ZONE 'UTC'"
            " AT TIME ZONE b.time_zone)::date"
            " FROM brand AS b WHERE b.id = cp.brand_id"
        )
        return
    # SQLite knows no time zones: the days are worked out here, a chunk at a time.
    table = sa.table(
        "customer_phase",
        sa.column("id", sa.Integer),
        sa.column("counted_day", sa.Date),
    )
    zones = dict(bind.execute(sa.text("SELECT id, time_zone FROM brand")).all())
    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT id, brand_id, first_reached_at FROM customer_phase"
                " WHERE id > :last ORDER BY id LIMIT :chunk"
            ),
            {"last": last, "chunk": CHUNK},
        ).all()
        if not rows:
            return
        days = [
            {"row_id": row_id, "day": _day(at, zones[brand_id])} for row_id, brand_id, at in rows
        ]
        bind.execute(
            table.update()
            .where(table.c.id == sa.bindparam("row_id"))
            .values(counted_day=sa.bindparam("day")),
            days,
        )
        last = rows[-1][0]


def _day(stored, zone_name):
    """The brand's day of a stored moment (naive UTC; SQLite hands it back as text)."""
    moment = stored if isinstance(stored, datetime) else datetime.fromisoformat(stored)
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone_name)).date()


def downgrade():
    op.drop_column("customer_phase", "counted_day")
