"""The app's tables loyalty reads (customer, response, survey, phase), by name.

loyalty imports nothing from the app but its database handle, so it looks the tables up on the
shared metadata at call time instead of importing their models.
"""

from sqlalchemy import Table

from app.extensions import db


def table(name: str) -> Table:
    return db.metadata.tables[name]


def dialect() -> str:
    return db.session.get_bind().dialect.name


def insert(model):
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING on SQLite and PostgreSQL."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql if dialect() == "postgresql" else sqlite).insert(model)
