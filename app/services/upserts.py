"""Native INSERT … ON CONFLICT on PostgreSQL and SQLite, and many rows in one statement.

Each statement is built once per model and dialect and executed with all its rows at once:
building a statement per row cost more than the row. SQLAlchemy does not cache the compiled
form of these dialect statements (their inherit_cache is False), so every execute compiles
once; keep them off per-request paths (intake uses a plain, cached INSERT).
On PostgreSQL a batch of rows goes as one array per column, unnested by the server: one
short statement, whatever the batch size, instead of an execute per row.
"""

import functools
import re

from sqlalchemy import bindparam, func, select, update
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


def _unnested(table, names: tuple[str, ...]):
    """unnest(:rows_a::type[], :rows_b::type[], …) AS rows(a, b, …): the rows as one table."""
    arrays = [
        bindparam(f"rows_{name}", type_=postgresql.ARRAY(table.c[name].type)) for name in names
    ]
    return func.unnest(*arrays).table_valued(*names, name="rows").render_derived()


@functools.cache
def _converters(table, names: tuple[str, ...]) -> tuple:
    """int or float per numeric column: an array holds one type (counters arrive as floats)."""
    wanted = []
    for name in names:
        try:
            kind = table.c[name].type.python_type
        except NotImplementedError:  # a type of our own (JSON): passed as it is
            kind = None
        wanted.append(kind if kind in (int, float) else None)
    return tuple(wanted)


def _arrays(table, names: tuple[str, ...], rows: list[dict]) -> dict:
    arrays = {}
    for name, kind in zip(names, _converters(table, names), strict=True):
        values = [row[name] for row in rows]
        if kind is not None:
            values = [None if value is None else kind(value) for value in values]
        arrays[f"rows_{name}"] = values
    return arrays


@functools.cache
def _insert_add(model, key: tuple[str, ...], dialect: str):
    table = model.__table__
    statement = _module(dialect).insert(table)
    if dialect == "postgresql":
        names = (*key, *model.COUNTERS)
        statement = statement.from_select(names, select(*_unnested(table, names).c))
    return statement.on_conflict_do_update(
        index_elements=list(key),
        set_={name: table.c[name] + statement.excluded[name] for name in model.COUNTERS},
    )


@functools.cache
def _update_by_id(table, names: tuple[str, ...], fixed: tuple[str, ...], dialect: str):
    same = {name: bindparam(f"all_{name}") for name in fixed}
    if dialect == "postgresql":
        rows = _unnested(table, ("id", *names))
        return (
            update(table)
            .where(table.c.id == rows.c.id)
            .values({**{name: rows.c[name] for name in names}, **same})
        )
    return (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values({**{name: bindparam(f"b_{name}") for name in names}, **same})
    )


def insert_ignore(model, conflict: tuple[str, ...], values: dict, returning: bool = False):
    """Insert unless a row with the same `conflict` columns exists; RETURNING id if asked."""
    return db.session.execute(_insert_ignore(model, conflict, _dialect(), returning), values)


def insert_add(model, key: tuple[str, ...], rows: list[dict]) -> None:
    """Insert each row, or add its model.COUNTERS to the row with the same `key` columns.

    At most one row per key: PostgreSQL refuses to update a row twice in one statement."""
    if not rows:
        return
    # In key order: two batches adding to the same rows lock them in the same order, so two
    # workers wait for each other instead of deadlocking.
    rows = sorted(rows, key=lambda row: [(row[name] is None, row[name]) for name in key])
    dialect = _dialect()
    statement = _insert_add(model, tuple(key), dialect)
    if dialect == "postgresql":
        _execute_arrays(statement, _arrays(model.__table__, (*key, *model.COUNTERS), rows))
    else:
        db.session.execute(statement, rows)


def _execute_arrays(statement, params: dict) -> None:
    connection = db.session.connection()
    connection.exec_driver_sql(_compiled(statement, connection.dialect), params)


@functools.cache
def _compiled(statement, dialect) -> str:
    """The SQL once (SQLAlchemy compiles a PostgreSQL INSERT … ON CONFLICT on every execute:
    its inherit_cache is False), with the arrays as binary parameters (%(…)b): psycopg dumps
    a list in binary in a third of the time it takes to write it as text."""
    return re.sub(r"%\((rows_\w+)\)s", r"%(\1)b", str(statement.compile(dialect=dialect)))


def update_by_id(table, rows: list[dict], **fixed) -> None:
    """Set each row's own values (every row has "id" and the same other keys), plus the
    `fixed` values on all of them, in one statement on PostgreSQL."""
    if not rows:
        return
    names = tuple(name for name in rows[0] if name != "id")
    dialect = _dialect()
    statement = _update_by_id(table, names, tuple(sorted(fixed)), dialect)
    same = {f"all_{name}": value for name, value in fixed.items()}
    if dialect == "postgresql":
        _execute_arrays(statement, {**_arrays(table, ("id", *names), rows), **same})
    else:
        db.session.execute(
            statement, [{**{f"b_{k}": v for k, v in row.items()}, **same} for row in rows]
        )
