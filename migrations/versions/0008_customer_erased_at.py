"""customer.erased_at: when a customer was erased, so a tombstone is known by a column

Revision ID: 0008_customer_erased_at
Revises: 0007_contact_phase_index
Create Date: 2026-12-06 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_customer_erased_at"
down_revision = "0007_contact_phase_index"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))
    # Tombstones made before the column: erasure names them so and sets updated_at last.
    op.execute("UPDATE customer SET erased_at = updated_at WHERE external_id LIKE 'erased-%'")


def downgrade():
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
