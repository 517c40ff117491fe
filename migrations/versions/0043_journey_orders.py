"""Journeys per order: an order reference on journey events, invitations and answers, and the
first arrival in a phase per order (customer_phase_order)

A repeat customer's second order schedules the phase's invitation on reach again, and her
answer for it earns again (loyalty's key gains the order; ledger_entry.source_id needs no new
room: the order goes in as a short hash). Rows made before stay as they were: no order.

Revision ID: 0043_journey_orders
Revises: 0042_survey_email_texts
Create Date: 2026-12-08 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0043_journey_orders"
down_revision = "0042_survey_email_texts"
branch_labels = None
depends_on = None

ORDERED = ("journey_event", "invitation", "response")


def upgrade():
    # Plain ADD COLUMNs: a batch rebuild would set SQLite's sequences back (0018).
    for table in ORDERED:
        op.add_column(table, sa.Column("order_ref", sa.String(length=64), nullable=True))
    op.create_table(
        "customer_phase_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.Integer(), nullable=False),
        sa.Column("order_ref", sa.String(length=64), nullable=False),
        sa.Column("first_reached_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brand.id"],
            name=op.f("fk_customer_phase_order_brand_id_brand"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_customer_phase_order_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["phase_id"],
            ["phase.id"],
            name=op.f("fk_customer_phase_order_phase_id_phase"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_phase_order")),
        sa.UniqueConstraint(
            "customer_id",
            "phase_id",
            "order_ref",
            name=op.f("uq_customer_phase_order_customer_id_phase_id_order_ref"),
        ),
    )
    op.create_index(
        op.f("ix_customer_phase_order_phase_id"), "customer_phase_order", ["phase_id"]
    )
    op.create_index(
        "ix_customer_phase_order_brand_order", "customer_phase_order", ["brand_id", "order_ref"]
    )


def downgrade():
    op.drop_index("ix_customer_phase_order_brand_order", table_name="customer_phase_order")
    op.drop_index(op.f("ix_customer_phase_order_phase_id"), table_name="customer_phase_order")
    op.drop_table("customer_phase_order")
    for table in reversed(ORDERED):
        # SQLite drops a column in place since 3.35 (no batch rebuild, as above)
        op.drop_column(table, "order_ref")
