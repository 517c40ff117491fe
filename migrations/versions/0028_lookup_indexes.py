"""indexes for lookups that scanned whole tables at a large brand's size

Found by an audit at 2M answers and 260k reviews: the API's survey filter on answers (and a
survey's delete, through its foreign key) read every answer, 0.58 s; erasure looked up the
customer's reviews by a scan; the weekly report counted a week's reviews by one.

CREATE INDEX holds off writes to the table while it builds: seconds at millions of rows.

Revision ID: 0028_lookup_indexes
Revises: 0027_login_per_brand
Create Date: 2026-12-07 01:00:00
"""

from alembic import op

revision = "0028_lookup_indexes"
down_revision = "0027_login_per_brand"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_response_survey", "response", ["survey_id", "id"])
    op.create_index("ix_review_customer", "review", ["customer_id"])
    op.create_index("ix_review_brand_created", "review", ["brand_id", "created_at"])


def downgrade():
    op.drop_index("ix_review_brand_created", table_name="review")
    op.drop_index("ix_review_customer", table_name="review")
    op.drop_index("ix_response_survey", table_name="response")
