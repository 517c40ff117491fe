"""survey.remind_after_days and the invitation's one reminder

A survey may ask for one reminder to a customer who has not answered its emailed invitation,
some days after it was sent: the invitation's remind_at (set when it is sent), reminded_at
(when the reminder went out), reminder_skip_reason (why it did not) and reminder_taken_at
(when a sender took it). Invitations sent before this revision get no reminder.

Revision ID: 0034_survey_reminders
Revises: 0033_survey_invite_after_hours
Create Date: 2026-12-07 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0034_survey_reminders"
down_revision = "0033_survey_invite_after_hours"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs, not batches: survey keeps its SQLite AUTOINCREMENT (0012), and a
    # rebuild of invitation would set its sequence back (0018).
    op.add_column("survey", sa.Column("remind_after_days", sa.Integer(), nullable=True))
    op.add_column("invitation", sa.Column("remind_at", sa.DateTime(), nullable=True))
    op.add_column("invitation", sa.Column("reminded_at", sa.DateTime(), nullable=True))
    op.add_column("invitation", sa.Column("reminder_skip_reason", sa.String(32), nullable=True))
    op.add_column("invitation", sa.Column("reminder_taken_at", sa.DateTime(), nullable=True))
    # The workers look for the reminders that are due, across brands.
    op.create_index("ix_invitation_remind_at", "invitation", ["remind_at"])


def downgrade():
    op.drop_index("ix_invitation_remind_at", table_name="invitation")
    op.drop_column("invitation", "reminder_taken_at")
    op.drop_column("invitation", "reminder_skip_reason")
    op.drop_column("invitation", "reminded_at")
    op.drop_column("invitation", "remind_at")
    op.drop_column("survey", "remind_after_days")
