"""The app's tables loyalty reads (customer, response, survey, phase), by name.

loyalty imports nothing from the app but its database handle (and app.timestamps' days and zones,
which imports nothing of the app), so it looks the tables up on the shared metadata at call time
instead of importing their models.
"""

from sqlalchemy import Table, any_, bindparam
from sqlalchemy.dialects import postgresql

from app.extensions import db


def table(name: str) -> Table:
    return db.metadata.tables[name]


def dialect() -> str:
    return db.session.get_bind().dialect.name


def insert(model):
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING on SQLite and PostgreSQL."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql if dialect() == "postgresql" else sqlite).insert(model)


def among(column, values):
    """`column IN values`; on PostgreSQL `column = ANY(array)`: one parameter however many
    values, so a batch's statement reads the same every time and psycopg parses it once (it
    parses a statement of more than 50 parameters afresh on every execute)."""
    values = list(values)
    if dialect() == "postgresql":
        return column == any_(bindparam(None, values, type_=postgresql.ARRAY(column.type)))
    return column.in_(values)
