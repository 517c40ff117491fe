"""survey.invite_after_hours: a journey event schedules the survey's invitation

A survey may email itself to a customer some hours after a journey event first brings them to
its phase (a delivery survey two days after "delivered"): the event schedules an invitation
(status "scheduled", due at `queued_at`), and `flask invitation sweep` asks the contact budget
for it once it is due. Invitation statuses are strings: "scheduled" needs no change there.

Revision ID: 0033_survey_invite_after_hours
Revises: 0032_invitation_send_again
Create Date: 2026-12-07 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0033_survey_invite_after_hours"
down_revision = "0032_invitation_send_again"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN, not a batch: survey keeps its SQLite AUTOINCREMENT (0012).
    op.add_column("survey", sa.Column("invite_after_hours", sa.Integer(), nullable=True))
    # The sweep looks for the scheduled ones that are due, across brands.
    op.create_index("ix_invitation_status_queued_at", "invitation", ["status", "queued_at"])


def downgrade():
    op.drop_index("ix_invitation_status_queued_at", table_name="invitation")
    # Scheduled invitations would be left with a status the older code does not know.
    op.execute(
        "UPDATE invitation SET status = 'skipped', skip_reason = 'invite_turned_off' "
        "WHERE status = 'scheduled'"
    )
    # In place, not a batch: a rebuild would set SQLite's sequence back (see 0018).
    op.drop_column("survey", "invite_after_hours")
