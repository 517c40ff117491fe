"""SQLite: ids that rollups key on are never handed out twice (AUTOINCREMENT)

Without AUTOINCREMENT SQLite gives a new row the highest id in use plus one, so a deleted
touchpoint's id went to the next one, with the old answers and rollup rows that still name
it. PostgreSQL's sequences never reuse an id: nothing to do there.

Revision ID: 0012_sqlite_ids
Revises: 0011_conversion_at_first_reach
Create Date: 2026-12-08 12:00:00
"""

from alembic import op

revision = "0012_sqlite_ids"
down_revision = "0011_conversion_at_first_reach"
branch_labels = None
depends_on = None

# Each table, and the columns of other tables that name its ids (rollup keys have no
# foreign key: a deleted row's id stays in them, as on PostgreSQL).
REFERENCES = {
    "brand": [],
    "phase": [],
    "persona": [
        ("customer", "persona_id"),
        ("customer_phase", "persona_id"),
        ("response", "persona_id"),
        ("rollup", "persona_id"),
        ("map_rollup", "persona_id"),
        ("conversion_rollup", "persona_id"),
        ("dwell_rollup", "persona_id"),
    ],
    "touchpoint": [
        ("response", "touchpoint_id"),
        ("invitation", "touchpoint_id"),
        ("survey_link", "touchpoint_id"),
        ("rollup", "touchpoint_id"),
        ("map_rollup", "touchpoint_id"),
    ],
    "survey": [("survey", "family_id")],
}
# Foreign keys SQLite did not enforce: what PostgreSQL's ON DELETE SET NULL did to them.
SET_NULL = [
    ("customer", "persona_id", "persona"),
    ("response", "touchpoint_id", "touchpoint"),
    ("invitation", "touchpoint_id", "touchpoint"),
    ("survey_link", "touchpoint_id", "touchpoint"),
]


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, column, parent in SET_NULL:
        op.execute(
            f"UPDATE {table} SET {column} = NULL WHERE {column} IS NOT NULL "
            f"AND {column} NOT IN (SELECT id FROM {parent})"
        )
    for table, references in REFERENCES.items():
        # The table is rebuilt (copied, dropped, renamed: env.py turns foreign keys off).
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ):
            pass
        # The next id is above every id the table ever gave out that is still named anywhere,
        # not only above the rows left: a freed id in a rollup key stays taken.
        highest = " UNION ALL ".join(
            f"SELECT MAX({column}) AS id FROM {other}"
            for other, column in [(table, "id"), *references]
        )
        op.execute(f"DELETE FROM sqlite_sequence WHERE name = '{table}'")
        op.execute(
            f"INSERT INTO sqlite_sequence (name, seq) "
            f"SELECT '{table}', COALESCE(MAX(id), 0) FROM ({highest})"
        )


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in reversed(REFERENCES):
        with op.batch_alter_table(table, recreate="always"):
            pass
