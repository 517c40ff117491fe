"""review_tally: per brand × phase × rating, the reviews in each status; the public index's order

Found by the scale audit at 260k published reviews of one brand: every review page, feed and
badge request (a 304 too) counted the brand's reviews, 0.4-1.6 s. They read this tally now,
which the code keeps in the transaction of every change; the reviews already there are counted
into it here. ix_review_public gains id (the pages' tie-break) and phase_id (a phase's page):
a deep ?page=N skips its OFFSET in the index alone.

Run it with the workers and web processes stopped, or run `flask review recount` once the new
code serves: a review the old code changes after this count is not in the tally.
CREATE INDEX holds off writes to the review table while it builds: seconds at millions of rows.

Revision ID: 0029_review_tally
Revises: 0028_lookup_indexes
Create Date: 2026-12-07 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0029_review_tally"
down_revision = "0028_lookup_indexes"
branch_labels = None
depends_on = None

COUNTERS = (
    "pending",
    "published",
    "rejected",
    "removed",
    "published_verified",
    "published_incentivized",
    "ever_public",
)


def upgrade():
    op.create_table(
        "review_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTERS),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brand.id"], name=op.f("fk_review_tally_brand_id_brand"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["phase_id"], ["phase.id"], name=op.f("fk_review_tally_phase_id_phase"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_tally")),
        sa.UniqueConstraint("brand_id", "phase_id", "rating", name="uq_review_tally_key"),
    )
    # As app.services.review_tally counts a review (copied: a migration stays as it ran).
    op.execute(
        "INSERT INTO review_tally (brand_id, phase_id, rating, " + ", ".join(COUNTERS) + ") "
        "SELECT brand_id, phase_id, rating, "
        "SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN status = 'published' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN status = 'removed' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN status = 'published' AND verified THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN status = 'published' AND incentivized THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN published_at IS NOT NULL THEN 1 ELSE 0 END) "
        "FROM review GROUP BY brand_id, phase_id, rating"
    )
    op.drop_index("ix_review_public", table_name="review")
    op.create_index(
        "ix_review_public", "review", ["brand_id", "status", "published_at", "id", "phase_id"]
    )


def downgrade():
    op.drop_index("ix_review_public", table_name="review")
    op.create_index("ix_review_public", "review", ["brand_id", "status", "published_at"])
    op.drop_table("review_tally")
