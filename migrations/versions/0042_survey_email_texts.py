"""survey.email_texts: a survey's own subject and opening for its invitation and reminder

Per language, plain text with {first_name}, {brand} and {phase}. Null, as every survey
starts: Phasewise's own texts, as before.

Revision ID: 0042_survey_email_texts
Revises: 0041_customer_first_name
Create Date: 2026-12-08 12:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0042_survey_email_texts"
down_revision = "0041_customer_first_name"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    # A plain ADD COLUMN: a batch rebuild of survey would set SQLite's sequence back (0018).
    op.add_column("survey", sa.Column("email_texts", JSON, nullable=True))


def downgrade():
    op.drop_column("survey", "email_texts")
