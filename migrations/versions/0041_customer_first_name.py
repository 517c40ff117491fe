"""customer.first_name: what invitations greet a customer by

Optional, given through the API or an invitation list's voornaam/first_name column; erasure
removes it. Null, as every customer starts: the email greets no one by name.

Revision ID: 0041_customer_first_name
Revises: 0040_brand_logo_url
Create Date: 2026-12-08 11:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0041_customer_first_name"
down_revision = "0040_brand_logo_url"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("customer", sa.Column("first_name", sa.String(100), nullable=True))


def downgrade():
    op.drop_column("customer", "first_name")
