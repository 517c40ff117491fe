"""user_account: an email has a login per brand, not one in all of Phasewise

An agency's marketer, or a consultant, works for several brands. With one login per email
the second brand's owner could not add them (a 409 that also told that owner the address had
a login at some other brand). Now the email is unique within a brand's team only, and login
looks it up by an index of its own.

Revision ID: 0027_login_per_brand
Revises: 0026_brand_reply_to
Create Date: 2026-12-07 00:00:00
"""

from alembic import op

revision = "0027_login_per_brand"
down_revision = "0026_brand_reply_to"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint("uq_user_account_email", type_="unique")
        batch_op.create_unique_constraint("uq_user_account_brand_id_email", ["brand_id", "email"])
        batch_op.create_index("ix_user_account_email", ["email"], unique=False)


def downgrade():
    # Fails while an email has logins at two brands: which one to keep is the operator's call.
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index("ix_user_account_email")
        batch_op.drop_constraint("uq_user_account_brand_id_email", type_="unique")
        batch_op.create_unique_constraint("uq_user_account_email", ["email"])
