"""loyalty_member: each customer's first ledger moment, so "programme vs. others" compares

The loyalty overview's response rates asked, per reach of a phase, whether the customer had a
ledger entry older than the reach: a probe into the ledger per reach, 19–39 s at 800k reaches
in the scale audit. The ledger now keeps MIN(effective_at) per customer as it is written
(loyalty.members), so the report compares a reach with one stored moment. Filled here from
the ledger as it stands: entries are never deleted nor moved, so that minimum is the moment.

The fill is one INSERT … SELECT … GROUP BY over the ledger (under a second at 300k entries);
the table is new, so nothing waits on it meanwhile except ledger writes on this connection.

Revision ID: 0030_loyalty_first_points
Revises: 0029_review_tally
Create Date: 2026-12-08 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0030_loyalty_first_points"
down_revision = "0029_review_tally"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "loyalty_member",
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("first_points_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brand.id"],
            name=op.f("fk_loyalty_member_brand_id_brand"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_loyalty_member_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("brand_id", "customer_id", name=op.f("pk_loyalty_member")),
    )
    op.execute(
        "INSERT INTO loyalty_member (brand_id, customer_id, first_points_at) "
        "SELECT brand_id, customer_id, MIN(effective_at) FROM loyalty_entry "
        "GROUP BY brand_id, customer_id"
    )


def downgrade():
    op.drop_table("loyalty_member")
