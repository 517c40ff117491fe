"""The packed binary arrays that carry a batch's numbers to PostgreSQL arrive as sent."""

import pytest

from app.services import upserts


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("kind", "cast", "values"),
    [
        (float, "float8[]", [1.5, None, -0.1, 0.1 + 0.2, 0.0, 1e-300]),
        (float, "float8[]", [0.010000000000000002, 0.0441]),
        (int, "int8[]", [1, None, 2**40, -(2**63)]),
        (int, "integer[]", [3, 4, 0, -7]),
        (int, "int8[]", [None]),
        (float, "float8[]", []),
    ],
)
def test_packed_arrays_round_trip(db, kind, cast, values):
    connection = db.session.connection()
    packed = upserts._packed(kind, values)
    got = connection.exec_driver_sql(f"SELECT %(a)b::{cast}", {"a": packed}).scalar()
    assert got == values
    assert all(type(g) is type(v) for g, v in zip(got, values, strict=True))


def test_packed_values_are_converted_to_the_column_kind():
    assert upserts._packed(int, [1.0, None, 2]) == [1, None, 2]
    assert upserts._packed(float, [1, None]) == [1.0, None]
    assert type(upserts._packed(float, [1])[0]) is float
