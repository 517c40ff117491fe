"""choice_rollup: how often each option of a choice question was chosen, per survey and day

Choice answers lived only in a response's answers, so the dashboard showed them nowhere. The
answers already processed are counted into the new table.

Revision ID: 0016_choice_rollup
Revises: 0015_redeemed_reward_name
Create Date: 2026-12-06 15:10:00
"""

import json
from collections import Counter
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0016_choice_rollup"
down_revision = "0015_redeemed_reward_name"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "choice_rollup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=48), nullable=False),
        sa.Column("option", sa.String(length=48), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brand.id"],
            name=op.f("fk_choice_rollup_brand_id_brand"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["survey.id"],
            name=op.f("fk_choice_rollup_survey_id_survey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_choice_rollup")),
        sa.UniqueConstraint(
            "brand_id", "survey_id", "question", "option", "day", name="uq_choice_rollup_key"
        ),
    )
    _backfill()


def _backfill():
    """As app.services.survey_counts counts them (copied: a migration stays as it ran)."""
    bind = op.get_bind()
    questions: dict[int, list[str]] = {}
    for survey_id, key in bind.execute(
        sa.text("SELECT survey_id, key FROM question WHERE type = 'choice'")
    ):
        questions.setdefault(survey_id, []).append(key)
    if not questions:
        return
    counts = Counter()
    rows = bind.execute(
        sa.text(
            "SELECT brand_id, survey_id, created_at, answers FROM response "
            "WHERE status = 'processed' AND survey_id IN :ids"
        ).bindparams(sa.bindparam("ids", expanding=True)),
        {"ids": sorted(questions)},
    )
    for brand_id, survey_id, created_at, answers in rows:
        given = json.loads(answers) if isinstance(answers, str) else (answers or {})
        if isinstance(created_at, str):  # SQLite hands back text on a raw query
            created_at = datetime.fromisoformat(created_at)
        for question in questions[survey_id]:
            if isinstance(given.get(question), str):
                counts[(brand_id, survey_id, question, given[question], created_at.date())] += 1
    columns = ("brand_id", "survey_id", "question", "option", "day", "answers")
    table = sa.table("choice_rollup", *(sa.column(name) for name in columns))
    values = [dict(zip(columns, (*key, n), strict=True)) for key, n in counts.items()]
    if values:
        op.bulk_insert(table, values)


def downgrade():
    op.drop_table("choice_rollup")
