"""user_account.session_epoch: logging out ends the login's sessions

Sessions live in a signed cookie, so a copy of one kept working after its user logged out,
until the password changed. The epoch is part of the check a session carries
(User.session_check); logging out moves it on, which ends every session of that login.

Revision ID: 0021_session_epoch
Revises: 0020_follow_up_handled
Create Date: 2026-12-06 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_session_epoch"
down_revision = "0020_follow_up_handled"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN, as 0018: SQLite takes it in place, where a batch would copy the
    # whole table for one column with a default.
    op.add_column(
        "user_account",
        sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade():
    op.drop_column("user_account", "session_epoch")
