"""survey.locales: only the languages every question and option has a text in

Revision ID: 0010_survey_whole_locales
Revises: 0009_survey_revision
Create Date: 2026-12-06 12:00:00
"""

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0010_survey_whole_locales"
down_revision = "0009_survey_revision"
branch_labels = None
depends_on = None


def _loaded(value):
    return json.loads(value) if isinstance(value, str) else value


def upgrade():
    # A half-translated survey was offered in the missing language too, and its customers got
    # some questions in another. Its own language stays first, whatever its texts hold.
    connection = op.get_bind()
    update = sa.text("UPDATE survey SET locales = :locales WHERE id = :id").bindparams(
        sa.bindparam("locales", type_=sa.JSON().with_variant(JSONB(), "postgresql"))
    )
    texts: dict[int, list[dict]] = {}
    for survey_id, text, options in connection.execute(
        sa.text("SELECT survey_id, text, options FROM question")
    ):
        labels = [option.get("label") or {} for option in _loaded(options) or []]
        texts.setdefault(survey_id, []).extend([_loaded(text) or {}, *labels])
    for survey_id, default, locales in connection.execute(
        sa.text("SELECT id, default_locale, locales FROM survey")
    ):
        every = [code for code in _loaded(locales) or [] if code != default]
        whole = [code for code in every if all(code in t for t in texts.get(survey_id, []))]
        if whole != every:
            connection.execute(update, {"locales": [default, *whole], "id": survey_id})


def downgrade():
    pass  # the languages dropped were never whole; nothing to give back
