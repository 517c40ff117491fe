"""dashboard: the map rollup, dwell-time buckets, per-survey counts, phase indexes on responses

Revision ID: 0005_dashboard
Revises: 0004_reviews
Create Date: 2026-11-23 12:00:00

Existing rows are backfilled, so a database upgraded after answers arrived shows the same
figures as one that had these tables from the start.
"""
from bisect import bisect_right
from collections import Counter
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0005_dashboard"
down_revision = "0004_reviews"
branch_labels = None
depends_on = None

# A frozen copy of app/services/dwell.py EDGES_DAYS at the time of this migration.
EDGES_DAYS = (
    0, 0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 21, 24, 28, 35, 42, 49, 56, 70, 84,
    105, 130, 180, 270, 365, 540, 730,
)


def upgrade():
    op.create_table(
        "map_rollup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("persona_id", sa.Integer(), nullable=False),
        sa.Column("touchpoint_id", sa.Integer(), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("promoters", sa.Integer(), nullable=False),
        sa.Column("passives", sa.Integer(), nullable=False),
        sa.Column("detractors", sa.Integer(), nullable=False),
        sa.Column("csat_sum", sa.Float(), nullable=False),
        sa.Column("csat_sq", sa.Float(), nullable=False),
        sa.Column("csat_n", sa.Integer(), nullable=False),
        sa.Column("ces_sum", sa.Float(), nullable=False),
        sa.Column("ces_sq", sa.Float(), nullable=False),
        sa.Column("ces_n", sa.Integer(), nullable=False),
        sa.Column("sentiment_sum", sa.Float(), nullable=False),
        sa.Column("sentiment_sq", sa.Float(), nullable=False),
        sa.Column("sentiment_n", sa.Integer(), nullable=False),
        sa.Column("positive", sa.Integer(), nullable=False),
        sa.Column("neutral", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.Column("emotion_delighted", sa.Integer(), nullable=False),
        sa.Column("emotion_satisfied", sa.Integer(), nullable=False),
        sa.Column("emotion_neutral", sa.Integer(), nullable=False),
        sa.Column("emotion_disappointed", sa.Integer(), nullable=False),
        sa.Column("emotion_frustrated", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["brand_id"], ["brand.id"], name=op.f("fk_map_rollup_brand_id_brand"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["phase_id"], ["phase.id"], name=op.f("fk_map_rollup_phase_id_phase"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_map_rollup")),
        sa.UniqueConstraint("brand_id", "phase_id", "day", "persona_id", "touchpoint_id", name="uq_map_rollup_key"),
    )
    op.create_table(
        "dwell_rollup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("persona_id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.SmallInteger(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["brand_id"], ["brand.id"], name=op.f("fk_dwell_rollup_brand_id_brand"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["phase_id"], ["phase.id"], name=op.f("fk_dwell_rollup_phase_id_phase"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dwell_rollup")),
        sa.UniqueConstraint("brand_id", "phase_id", "day", "persona_id", "bucket", name="uq_dwell_rollup_key"),
    )
    op.create_table(
        "survey_rollup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("with_text", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["brand_id"], ["brand.id"], name=op.f("fk_survey_rollup_brand_id_brand"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["survey_id"], ["survey.id"], name=op.f("fk_survey_rollup_survey_id_survey"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_rollup")),
        sa.UniqueConstraint("brand_id", "survey_id", "day", "channel", name="uq_survey_rollup_key"),
    )
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.create_index("ix_response_phase_recent", ["phase_id", "created_at", "id"], unique=False)
        batch_op.create_index(
            "ix_response_phase_category", ["phase_id", "nps_category", "created_at", "id"], unique=False
        )
    _backfill_map_rollup()
    _backfill_survey_rollup()
    _backfill_dwell_rollup()

MAP_COUNTERS = (
    "responses",
    "promoters",
    "passives",
    "detractors",
    "csat_sum",
    "csat_sq",
    "csat_n",
    "ces_sum",
    "ces_sq",
    "ces_n",
    "sentiment_sum",
    "sentiment_sq",
    "sentiment_n",
    "positive",
    "neutral",
    "negative",
    "emotion_delighted",
    "emotion_satisfied",
    "emotion_neutral",
    "emotion_disappointed",
    "emotion_frustrated",
)


def _backfill_map_rollup():
    """The narrow rollup is the answer rollup summed over channel and locale: plain SQL."""
    keys = "brand_id, phase_id, day, persona_id, touchpoint_id"
    sums = ", ".join(f"SUM({name})" for name in MAP_COUNTERS)
    op.execute(
        f"INSERT INTO map_rollup ({keys}, {', '.join(MAP_COUNTERS)}) "  # noqa: S608 — constants
        f"SELECT {keys}, {sums} FROM rollup GROUP BY {keys}"
    )


def _backfill_survey_rollup():
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT brand_id, survey_id, created_at, channel, comment FROM response "
            "WHERE status = 'processed'"
        )
    )
    counts = Counter()
    texts = Counter()
    for brand_id, survey_id, created_at, channel, comment in rows:
        key = (brand_id, survey_id, _as_datetime(bind, created_at).date(), channel)
        counts[key] += 1
        texts[key] += 1 if comment else 0
    table = sa.table(
        "survey_rollup",
        *(sa.column(name) for name in ("brand_id", "survey_id", "day", "channel", "responses", "with_text")),
    )
    values = [
        {"brand_id": k[0], "survey_id": k[1], "day": k[2], "channel": k[3], "responses": n, "with_text": texts[k]}
        for k, n in counts.items()
    ]
    if values:
        op.bulk_insert(table, values)


def _bucket(hours):
    return max(bisect_right(EDGES_DAYS, max(hours, 0.0) / 24) - 1, 0)


def _as_datetime(bind, value):
    if isinstance(value, str):  # SQLite hands back text on a raw query
        return datetime.fromisoformat(value)
    return value


def _backfill_dwell_rollup():
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT a.brand_id, a.phase_id, a.first_reached_at, b.first_reached_at, c.persona_id "
            "FROM customer_phase a "
            "JOIN phase pa ON pa.id = a.phase_id "
            "JOIN phase pb ON pb.journey_id = pa.journey_id AND pb.position = pa.position + 1 "
            "JOIN customer_phase b ON b.customer_id = a.customer_id AND b.phase_id = pb.id "
            "JOIN customer c ON c.id = a.customer_id"
        )
    )
    counts = Counter()
    for brand_id, phase_id, reached, went_on, persona_id in rows:
        reached, went_on = _as_datetime(bind, reached), _as_datetime(bind, went_on)
        hours = (went_on - reached).total_seconds() / 3600
        counts[(brand_id, phase_id, reached.date(), persona_id or 0, _bucket(hours))] += 1
    table = sa.table(
        "dwell_rollup",
        *(sa.column(name) for name in ("brand_id", "phase_id", "day", "persona_id", "bucket", "customers")),
    )
    values = [
        {"brand_id": k[0], "phase_id": k[1], "day": k[2], "persona_id": k[3], "bucket": k[4], "customers": n}
        for k, n in counts.items()
    ]
    if values:
        op.bulk_insert(table, values)


def downgrade():
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_index("ix_response_phase_category")
        batch_op.drop_index("ix_response_phase_recent")
    op.drop_table("survey_rollup")
    op.drop_table("dwell_rollup")
    op.drop_table("map_rollup")
