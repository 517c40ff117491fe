"""invitation.idempotency_key, request_hash: POST /api/v1/invitations takes an Idempotency-Key

An invitation is read back after its commit; a connection dropped right then answered 503 for
an invitation that was stored (and, inline, sent), and the client's retry made a second row.
With the key a retry finds the first.

Revision ID: 0023_invitation_idempotency_key
Revises: 0022_identity_secret_rotation
Create Date: 2026-12-06 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_invitation_idempotency_key"
down_revision = "0022_identity_secret_rotation"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs and a unique index, not a batch: invitation keeps its SQLite
    # AUTOINCREMENT (0012), whose ids are in the links already mailed.
    op.add_column("invitation", sa.Column("idempotency_key", sa.String(128), nullable=True))
    op.add_column("invitation", sa.Column("request_hash", sa.String(64), nullable=True))
    op.create_index(
        "ix_invitation_brand_idempotency_key",
        "invitation",
        ["brand_id", "idempotency_key"],
        unique=True,
    )


def downgrade():
    op.drop_index("ix_invitation_brand_idempotency_key", table_name="invitation")
    op.drop_column("invitation", "request_hash")
    op.drop_column("invitation", "idempotency_key")
