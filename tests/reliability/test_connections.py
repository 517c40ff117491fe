"""A pooled connection the server closed is replaced before use, without a ping per checkout."""

import sqlite3
import time

import psycopg
import pytest
from sqlalchemy import text

from app.connections import closed_by_server
from tests.conftest import DATABASE_URL


def _backend_pid(db) -> int:
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    db.session.commit()
    return pid


@pytest.mark.postgres
def test_a_connection_the_server_closed_is_replaced_before_use(app, db, client, api_key):
    db.session.remove()
    pid = _backend_pid(db)
    db.session.remove()  # back to the pool, idle
    url = DATABASE_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
        deadline = time.monotonic() + 5  # the backend says goodbye and exits asynchronously
        while (
            time.monotonic() < deadline
            and admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)
            ).fetchone()[0]
        ):
            time.sleep(0.01)
    # A request after the kill gets a fresh connection, not "server closed the connection".
    reply = client.get("/api/v1/journeys", headers={"Authorization": f"Bearer {api_key}"})
    assert reply.status_code == 200
    assert _backend_pid(db) != pid


@pytest.mark.postgres
def test_a_live_idle_connection_is_not_taken_for_closed(app, db):
    db.session.remove()
    pooled = db.engine.raw_connection()
    try:
        connection = pooled.driver_connection
        connection.execute("SELECT 1").fetchall()
        connection.rollback()  # idle, as the pool keeps it
        assert closed_by_server(connection) is False
    finally:
        pooled.close()


def test_other_drivers_are_left_alone():
    with sqlite3.connect(":memory:") as connection:
        assert closed_by_server(connection) is False
