"""contact: an index on (phase_id, created_at) for the dashboard phase page's "asked" count

Revision ID: 0007_contact_phase_index
Revises: 0006_platform
Create Date: 2026-11-24 10:00:00
"""
from alembic import op

revision = "0007_contact_phase_index"
down_revision = "0006_platform"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index("ix_contact_phase_created", ["phase_id", "created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_phase_created")
