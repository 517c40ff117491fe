"""brand.previous_identity_secret, identity_secret_rotated_at: the identity secret can rotate

The identity secret signs customer ids for the widget; it could not be changed, so a leaked
one (or one a removed owner had seen) let anyone answer in any customer's name for good. An
owner rotates it now; the previous secret keeps working for a grace period
(Brand.IDENTITY_GRACE), while the brand's servers move to the new one.

Revision ID: 0022_identity_secret_rotation
Revises: 0021_session_epoch
Create Date: 2026-12-06 19:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_identity_secret_rotation"
down_revision = "0021_session_epoch"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs, as 0018: a batch would rebuild brand on SQLite and lose AUTOINCREMENT.
    op.add_column("brand", sa.Column("previous_identity_secret", sa.String(128), nullable=True))
    op.add_column("brand", sa.Column("identity_secret_rotated_at", sa.DateTime(), nullable=True))


def downgrade():
    op.drop_column("brand", "identity_secret_rotated_at")
    op.drop_column("brand", "previous_identity_secret")
