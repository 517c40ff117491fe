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
import struct

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db

# Rows (or ids) per statement in the bulk paths: well inside SQLite's variable limit.
CHUNK = 500


def chunks(items: list) -> list[list]:
    """`items` in slices of CHUNK, for one statement each."""
    return [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _module(dialect: str):
    return postgresql if dialect == "postgresql" else sqlite


@functools.cache
def _insert_ignore(model, conflict: tuple[str, ...], dialect: str, returning: tuple[str, ...]):
    table = model.__table__  # Core, not the ORM's bulk-insert path: far less work per row
    statement = _module(dialect).insert(table).on_conflict_do_nothing(index_elements=conflict)
    return statement.returning(*(table.c[name] for name in returning)) if returning else statement


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
        arrays[f"rows_{name}"] = values if kind is None else _packed(kind, values)
    return arrays


class _Int8Array(list):
    """Whole numbers or None, sent as one binary int8[] (the statement casts it)."""

    array_oid, element_oid, code = 1016, 20, "q"


class _Float8Array(list):
    """Numbers or None, sent as one binary float8[] (the statement casts it)."""

    array_oid, element_oid, code = 1022, 701, "d"


def _packed(kind, values: list) -> list:
    """The values as int or float, in a list psycopg dumps with one struct.pack: its own list
    dumper packs element by element in Python, most of a batch's driver time."""
    _register_packed_dumpers()
    array = _Int8Array if kind is int else _Float8Array
    return array([None if value is None else kind(value) for value in values])


_NULL = struct.pack(">i", -1)


@functools.lru_cache(maxsize=256)
def _layout(code: str, n: int) -> struct.Struct:
    """PostgreSQL's binary array: ndim, has-nulls, element oid, size and lower bound of the
    one dimension, then each element as its length and its value."""
    return struct.Struct(">5i" + ("i" + code) * n)


@functools.cache
def _register_packed_dumpers() -> None:
    import psycopg
    from psycopg.adapt import Dumper
    from psycopg.pq import Format

    def dumper(array):
        class PackedDumper(Dumper):
            format = Format.BINARY
            oid = array.array_oid

            def dump(self, values):
                n = len(values)
                if None not in values:
                    flat = [8] * (2 * n)
                    flat[1::2] = values
                    return _layout(array.code, n).pack(1, 0, array.element_oid, n, 1, *flat)
                item = struct.Struct(">i" + array.code)
                head = struct.pack(">5i", 1, 1, array.element_oid, n, 1)
                return head + b"".join(_NULL if v is None else item.pack(8, v) for v in values)

        return PackedDumper

    for array in (_Int8Array, _Float8Array):
        psycopg.adapters.register_dumper(array, dumper(array))


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
def _update_by_id(
    table, names: tuple[str, ...], fixed: tuple[str, ...], only_if: tuple[str, ...], dialect: str
):
    same = {name: bindparam(f"all_{name}") for name in fixed}
    still = [table.c[name] == bindparam(f"if_{name}") for name in only_if]
    if dialect == "postgresql":
        rows = _unnested(table, ("id", *names))
        return (
            update(table)
            .where(table.c.id == rows.c.id, *still)
            .values({**{name: rows.c[name] for name in names}, **same})
        )
    return (
        update(table)
        .where(table.c.id == bindparam("b_id"), *still)
        .values({**{name: bindparam(f"b_{name}") for name in names}, **same})
    )


def insert_ignore(
    model, conflict: tuple[str, ...], values: dict, returning: bool | tuple[str, ...] = False
):
    """Insert unless a row with the same `conflict` columns exists; RETURNING id if asked
    (True), or the columns named: only the statement that stored a row hears of it."""
    columns = ("id",) if returning is True else (returning or ())
    return db.session.execute(_insert_ignore(model, conflict, _dialect(), columns), values)


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


def add_by_key(model, key: tuple[str, ...], rows: dict[tuple, dict[str, float]]) -> None:
    """insert_add for rows given as {key values: {counter: increment}}, a missing counter
    adding 0. On PostgreSQL the arrays are built column by column straight from them, without
    a dict of every counter per row first."""
    if not rows:
        return
    if _dialect() != "postgresql":
        insert_add(
            model,
            key,
            [
                {
                    **dict(zip(key, values, strict=True)),
                    **{n: add.get(n, 0) for n in model.COUNTERS},
                }
                for values, add in rows.items()
            ],
        )
        return
    # The order insert_add sorts rows in (the lock order), by the same rule.
    keys = sorted(rows, key=lambda values: [(value is None, value) for value in values])
    table, names = model.__table__, (*key, *model.COUNTERS)
    kinds = dict(zip(names, _converters(table, names), strict=True))
    arrays = {}
    for at, name in enumerate(key):
        values, kind = [values[at] for values in keys], kinds[name]
        arrays[f"rows_{name}"] = values if kind is None else _packed(kind, values)
    increments = [rows[values] for values in keys]
    for name in model.COUNTERS:
        values, kind = [add.get(name, 0) for add in increments], kinds[name]
        arrays[f"rows_{name}"] = values if kind is None else _packed(kind, values)
    _execute_arrays(_insert_add(model, tuple(key), "postgresql"), arrays)


def _execute_arrays(statement, params: dict):
    connection = db.session.connection()
    return connection.exec_driver_sql(_compiled(statement, connection.dialect), params)


@functools.cache
def _compiled(statement, dialect) -> str:
    """The SQL once (SQLAlchemy compiles a PostgreSQL INSERT … ON CONFLICT on every execute:
    its inherit_cache is False), with the arrays as binary parameters (%(…)b): psycopg dumps
    a list in binary in a third of the time it takes to write it as text."""
    return re.sub(r"%\((rows_\w+)\)s", r"%(\1)b", str(statement.compile(dialect=dialect)))


def update_by_id(table, rows: list[dict], only_if: dict | None = None, **fixed) -> int:
    """Set each row's own values (every row has "id" and the same other keys), plus the
    `fixed` values on all of them, in one statement on PostgreSQL. With `only_if`, only rows
    that still hold those values change. Returns how many rows changed."""
    if not rows:
        return 0
    names = tuple(name for name in rows[0] if name != "id")
    only_if = only_if or {}
    dialect = _dialect()
    statement = _update_by_id(table, names, tuple(sorted(fixed)), tuple(sorted(only_if)), dialect)
    same = {
        **{f"all_{name}": value for name, value in fixed.items()},
        **{f"if_{name}": value for name, value in only_if.items()},
    }
    if dialect == "postgresql":
        return _execute_arrays(statement, {**_arrays(table, ("id", *names), rows), **same}).rowcount
    return db.session.execute(
        statement, [{**{f"b_{k}": v for k, v in row.items()}, **same} for row in rows]
    ).rowcount
