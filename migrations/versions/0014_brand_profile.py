"""brand.formal_address ("u" or "je" in Dutch texts) and brand.updated_at

Brands can now change their name, colour and form of address; the public review pages take
Last-Modified from the brand row too, so a rename is not answered with 304 Not Modified.

Revision ID: 0014_brand_profile
Revises: 0013_email_suppression
Create Date: 2026-12-06 14:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_brand_profile"
down_revision = "0013_email_suppression"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("formal_address", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("formal_address")
