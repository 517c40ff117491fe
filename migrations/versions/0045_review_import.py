"""review.source, external_ref, imported_at: reviews imported from another site

A shop that moves to Phasewise brings its reviews from Kiyoh, Trustpilot, Google or a
spreadsheet, with the day each was written. No answer here made them, so response_id may be
null; (brand, source, external_ref) is unique, so the same file imported twice adds nothing.
review_tally.published_imported counts the published ones, which the average and the
JSON-LD AggregateRating leave out (Google's review snippet rules: the site's own reviews only).

Revision ID: 0045_review_import
Revises: 0044_phase_in_funnel
Create Date: 2026-12-07 22:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0045_review_import"
down_revision = "0044_phase_in_funnel"
branch_labels = None
depends_on = None


def upgrade():
    # A batch: SQLite cannot drop NOT NULL in place, so there review is rebuilt (copied with
    # its ids; env.py turns foreign keys off meanwhile); PostgreSQL alters it in place.
    with op.batch_alter_table("review") as batch:
        batch.alter_column("response_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("source", sa.String(40), nullable=True))
        batch.add_column(sa.Column("external_ref", sa.String(200), nullable=True))
        batch.add_column(sa.Column("imported_at", sa.DateTime(), nullable=True))
        batch.create_unique_constraint(
            "uq_review_external_ref", ["brand_id", "source", "external_ref"]
        )
    # No review was imported before: every tally row counts none.
    op.add_column(
        "review_tally",
        sa.Column("published_imported", sa.Integer(), nullable=False, server_default="0"),
    )


# What an imported review adds to its tally row (never verified, never incentivized).
IMPORTED_COUNTS = {
    "pending": "r.status = 'pending'",
    "published": "r.status = 'published'",
    "rejected": "r.status = 'rejected'",
    "removed": "r.status = 'removed'",
    "ever_public": "r.published_at IS NOT NULL",
}


def downgrade():
    op.drop_column("review_tally", "published_imported")
    # Imported reviews have no answer behind them: they cannot stay once response_id must
    # name one again. Their share of the tally goes with them.
    op.execute(
        "UPDATE review_tally SET "
        + ", ".join(
            f"{name} = {name} - (SELECT COUNT(*) FROM review r WHERE r.response_id IS NULL "
            "AND r.brand_id = review_tally.brand_id AND r.phase_id = review_tally.phase_id "
            f"AND r.rating = review_tally.rating AND {condition})"
            for name, condition in IMPORTED_COUNTS.items()
        )
    )
    op.execute("DELETE FROM review WHERE response_id IS NULL")
    with op.batch_alter_table("review") as batch:
        batch.drop_constraint("uq_review_external_ref", type_="unique")
        batch.drop_column("imported_at")
        batch.drop_column("external_ref")
        batch.drop_column("source")
        batch.alter_column("response_id", existing_type=sa.Integer(), nullable=False)
