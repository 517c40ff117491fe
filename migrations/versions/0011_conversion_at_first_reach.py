"""customer_phase.value and persona_id: what the conversion rollups count each first reach with

Revision ID: 0011_conversion_at_first_reach
Revises: 0010_survey_whole_locales
Create Date: 2026-12-06 12:00:00
"""
from bisect import bisect_right
from collections import Counter, defaultdict
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0011_conversion_at_first_reach"
down_revision = "0010_survey_whole_locales"
branch_labels = None
depends_on = None

# A frozen copy of app/services/dwell.py EDGES_DAYS at the time of this migration.
EDGES_DAYS = (
    0, 0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 21, 24, 28, 35, 42, 49, 56, 70, 84,
    105, 130, 180, 270, 365, 540, 730,
)
CONVERSION = ("reached", "reached_value", "converted", "converted_value", "dwell_hours_sum")


def upgrade():
    with op.batch_alter_table("customer_phase", schema=None) as batch_op:
        batch_op.add_column(sa.Column("value", sa.Float(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("persona_id", sa.Integer(), nullable=False, server_default="0")
        )
    # Each first reach counts with the customer's value now (else the transaction value of
    # their earliest event in the phase) and persona now, on the day of that earliest event.
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
            0),
          first_reached_at = COALESCE(
            (SELECT MIN(e.occurred_at) FROM journey_event e
              WHERE e.customer_id = customer_phase.customer_id
                AND e.phase_id = customer_phase.phase_id
                AND e.occurred_at < customer_phase.first_reached_at),
            first_reached_at)
        """
    )
    _recount()


def _time(value):
    return datetime.fromisoformat(value) if isinstance(value, str) else value  # SQLite: text


def _recount():
    """The conversion and dwell rollups counted again from the first reaches (a frozen copy
    of services.conversion.recount): the old ones counted each conversion with the value and
    persona of its later event, and could not be corrected afterwards. Customers erased
    before this upgrade have no first reaches any more and leave these two figures."""
    bind = op.get_bind()
    orders = defaultdict(list)
    for journey_id, phase_id in bind.execute(
        sa.text("SELECT journey_id, id FROM phase ORDER BY journey_id, position, id")
    ):
        orders[journey_id].append(phase_id)
    following = {
        phase_id: phases[i + 1] if i + 1 < len(phases) else None
        for phases in orders.values()
        for i, phase_id in enumerate(phases)
    }
    reaches = defaultdict(dict)
    for customer_id, phase_id, brand_id, at, value, persona_id in bind.execute(
        sa.text(
            "SELECT customer_id, phase_id, brand_id, first_reached_at, value, persona_id "
            "FROM customer_phase"
        )
    ):
        reaches[customer_id][phase_id] = (brand_id, _time(at), value, persona_id)
    conversion, dwell = defaultdict(lambda: dict.fromkeys(CONVERSION, 0)), Counter()
    for reached in reaches.values():
        for phase_id, (brand_id, at, value, persona_id) in reached.items():
            row = conversion[(brand_id, phase_id, at.date(), persona_id)]
            row["reached"] += 1
            row["reached_value"] += value
            went_on = reached.get(following.get(phase_id))
            if went_on is not None:
                hours = max((went_on[1] - at).total_seconds() / 3600, 0.0)
                row["converted"] += 1
                row["converted_value"] += value
                row["dwell_hours_sum"] += hours
                bucket = max(bisect_right(EDGES_DAYS, hours / 24) - 1, 0)
                dwell[(brand_id, phase_id, at.date(), persona_id, bucket)] += 1
    op.execute("DELETE FROM conversion_rollup")
    op.execute("DELETE FROM dwell_rollup")
    key = ("brand_id", "phase_id", "day", "persona_id")
    if conversion:
        table = sa.table("conversion_rollup", *map(sa.column, (*key, *CONVERSION)))
        rows = [dict(zip(key, k, strict=True)) | row for k, row in conversion.items()]
        op.bulk_insert(table, rows)
    if dwell:
        table = sa.table("dwell_rollup", *map(sa.column, (*key, "bucket", "customers")))
        names = (*key, "bucket")
        rows = [dict(zip(names, k, strict=True)) | {"customers": n} for k, n in dwell.items()]
        op.bulk_insert(table, rows)


def downgrade():
    with op.batch_alter_table("customer_phase", schema=None) as batch_op:
        batch_op.drop_column("persona_id")
        batch_op.drop_column("value")
