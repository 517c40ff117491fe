"""conversion and dwell rollups counted again: a customer went on when they reached any later phase

Conversion counted a customer as gone on from a phase only when they reached the very next
one, so a phase added between two (which nobody had reached yet) showed the phase before it
at 0 % and its value at stake jumped, and a customer who skipped a phase counted as a
drop-off although they went further. services.conversion now counts reaching any later phase,
with the time to the nearest one; its incremental writes take away the shares they once added,
so the stored rollups must be those shares: counted again here, from the first reaches.

Revision ID: 0019_went_on_to_any_later_phase
Revises: 0018_touchpoint_former_names
Create Date: 2026-12-06 18:00:00
"""

from bisect import bisect_right
from collections import Counter, defaultdict
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0019_went_on_to_any_later_phase"
down_revision = "0018_touchpoint_former_names"
branch_labels = None
depends_on = None

# A frozen copy of app/services/dwell.py EDGES_DAYS at the time of this migration.
EDGES_DAYS = (
    0, 0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 21, 24, 28, 35, 42, 49, 56, 70, 84,
    105, 130, 180, 270, 365, 540, 730,
)  # fmt: skip
CONVERSION = ("reached", "reached_value", "converted", "converted_value", "dwell_hours_sum")


def upgrade():
    _recount(any_later=True)


def downgrade():
    _recount(any_later=False)  # the next phase only, as the code before this counted


def _time(value):
    return datetime.fromisoformat(value) if isinstance(value, str) else value  # SQLite: text


def _recount(any_later: bool):
    """A frozen copy of services.conversion.recount for every journey at once."""
    bind = op.get_bind()
    orders = defaultdict(list)
    for journey_id, phase_id in bind.execute(
        sa.text("SELECT journey_id, id FROM phase ORDER BY journey_id, position, id")
    ):
        orders[journey_id].append(phase_id)
    later = {
        phase_id: phases[i + 1 :] if any_later else phases[i + 1 : i + 2]
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
            went_on = next((reached[p] for p in later.get(phase_id, ()) if p in reached), None)
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
