"""invitation.failure, queued_at, contact_id: failed invitations can be sent again

An invitation failed after a day of SMTP outage could not be sent again, and it kept the
contact budget's ask it had spent, so inviting the customer again was held back by an email
she never got. Now a failed invitation says why it failed (`failure`), gives its ask back
(`contact_id` names it), and "send again" queues it anew (`queued_at`: MAIL_RETRY_HOURS count
from there).

The invitations already failed are classed by their last error (a 5xx reply: refused; the
rest: temporary; a 552 too, which at RCPT is a full mailbox: one after the message, too large,
is refused once more if sent again) and give back their ask; those still queued are linked to theirs. An ask
is the customer's contact row of the invitation's phase, by email, written in the same
transaction as the invitation: within a minute of it.

Revision ID: 0032_invitation_send_again
Revises: 0031_idempotent_creates
Create Date: 2026-12-07 07:00:00
"""

from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "0032_invitation_send_again"
down_revision = "0031_idempotent_creates"
branch_labels = None
depends_on = None

CHUNK = 500
SAME_TRANSACTION = timedelta(minutes=1)

invitation = sa.table(
    "invitation",
    sa.column("id", sa.Integer),
    sa.column("customer_id", sa.Integer),
    sa.column("phase_id", sa.Integer),
    sa.column("channel", sa.String),
    sa.column("status", sa.String),
    sa.column("created_at", sa.DateTime),
    sa.column("contact_id", sa.Integer),
)
contact = sa.table(
    "contact",
    sa.column("id", sa.Integer),
    sa.column("customer_id", sa.Integer),
    sa.column("phase_id", sa.Integer),
    sa.column("channel", sa.String),
    sa.column("created_at", sa.DateTime),
)


def upgrade():
    # A batch: SQLite cannot add a foreign key in place, so there the table is rebuilt (copied
    # with its ids; env.py turns foreign keys off meanwhile); PostgreSQL alters it in place.
    with op.batch_alter_table("invitation") as batch:
        batch.add_column(sa.Column("failure", sa.String(16), nullable=True))
        batch.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("queued_at", sa.DateTime(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_invitation_contact_id_contact"),
            "contact",
            ["contact_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_invitation_contact", ["contact_id"])
    op.execute(
        "UPDATE invitation SET failure = CASE "
        "WHEN (last_error LIKE '5%' AND last_error NOT LIKE '552%') "
        "OR last_error LIKE 'SMTPNotSupportedError%' THEN 'refused' "
        "ELSE 'temporary' END "
        "WHERE status = 'failed' AND channel = 'email'"
    )
    _link_asks(op.get_bind())


def _link_asks(connection) -> None:
    """Each queued or failed email invitation's ask: linked to a queued one, given back
    (deleted) for a failed one."""
    rows = connection.execute(
        sa.select(
            invitation.c.id,
            invitation.c.customer_id,
            invitation.c.phase_id,
            invitation.c.status,
            invitation.c.created_at,
        )
        .where(invitation.c.channel == "email", invitation.c.status.in_(("queued", "failed")))
        .order_by(invitation.c.id)
    ).all()
    taken = set()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        asks = defaultdict(list)  # (customer, phase) → [(created_at, contact id)], oldest first
        for contact_id, customer_id, phase_id, created_at in connection.execute(
            sa.select(contact.c.id, contact.c.customer_id, contact.c.phase_id, contact.c.created_at)
            .where(
                contact.c.channel == "email",
                contact.c.customer_id.in_({row.customer_id for row in chunk}),
            )
            .order_by(contact.c.created_at, contact.c.id)
        ):
            asks[customer_id, phase_id].append((created_at, contact_id))
        given_back = []
        for row in chunk:
            found = next(
                (
                    contact_id
                    for created_at, contact_id in asks[row.customer_id, row.phase_id]
                    if contact_id not in taken
                    and row.created_at <= created_at <= row.created_at + SAME_TRANSACTION
                ),
                None,
            )
            if found is None:
                continue
            taken.add(found)
            if row.status == "failed":
                given_back.append(found)
            else:
                connection.execute(
                    invitation.update()
                    .where(invitation.c.id == row.id)
                    .values(contact_id=found)
                )
        if given_back:
            connection.execute(contact.delete().where(contact.c.id.in_(given_back)))


def downgrade():
    with op.batch_alter_table("invitation") as batch:
        batch.drop_index("ix_invitation_contact")
        batch.drop_constraint(op.f("fk_invitation_contact_id_contact"), type_="foreignkey")
        batch.drop_column("queued_at")
        batch.drop_column("contact_id")
        batch.drop_column("failure")
