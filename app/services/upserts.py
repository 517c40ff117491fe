"""Native INSERT … ON CONFLICT on PostgreSQL and SQLite.

Each statement is built once per model and dialect and then executed with parameters, so
SQLAlchemy compiles it once; building a fresh statement per row cost more than the row.
"""

import functools

from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _module(dialect: str):
    return postgresql if dialect == "postgresql" else sqlite


@functools.cache
def _insert_ignore(model, conflict: tuple[str, ...], dialect: str, returning: bool):
    table = model.__table__  # Core, not the ORM's bulk-insert path: far less work per row
    statement = _module(dialect).insert(table).on_conflict_do_nothing(index_elements=conflict)
    return statement.returning(table.c.id) if returning else statement


@functools.cache
def _insert_add(model, key: tuple[str, ...], dialect: str):
    statement = _module(dialect).insert(model.__table__)
    columns = model.__table__.c
    return statement.on_conflict_do_update(
        index_elements=list(key),
        set_={name: columns[name] + statement.excluded[name] for name in model.COUNTERS},
    )


def insert_ignore(model, conflict: tuple[str, ...], values: dict, returning: bool = False):
    """Insert unless a row with the same `conflict` columns exists; RETURNING id if asked."""
    return db.session.execute(_insert_ignore(model, conflict, _dialect(), returning), values)


def insert_add(model, key: tuple[str, ...], rows: list[dict]) -> None:
    """Insert each row, or add its model.COUNTERS to the row with the same `key` columns."""
    if rows:
        db.session.execute(_insert_add(model, tuple(key), _dialect()), rows)
