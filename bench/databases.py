"""The PostgreSQL databases and the Redis DB the benches use, on loopback only.

BENCH_POSTGRES (default postgresql://postgres@127.0.0.1:5432) names the server; every bench
database is called bench_<something>, and only such databases are ever dropped or reset here.
BENCH_REDIS_URL (default redis://127.0.0.1:6379/6) is flushed around the benches that queue.
"""

import hashlib
import os
import re
from contextlib import contextmanager

import psycopg
from psycopg import sql

SERVER = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432").rstrip("/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
_NAME = re.compile(r"^bench_[a-z0-9_]{1,50}$")


def url(name: str) -> str:
    return f"{SERVER}/{_checked(name)}"


def name_of(database_url: str) -> str:
    return database_url.rsplit("/", 1)[-1].split("?", 1)[0]


def _checked(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"bench databases are named bench_<a-z0-9_>, not {name!r}")
    return name


@contextmanager
def _maintenance():
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=5) as connection:
        yield connection


def exists(name: str) -> bool:
    with _maintenance() as connection:
        return bool(
            connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (_checked(name),)
            ).fetchone()
        )


def ensure(name: str) -> str:
    """Create the database when missing; returns its URL."""
    if not exists(name):
        with _maintenance() as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url(name)


def recreate(name: str) -> str:
    """Drop (closing its connections) and create an empty database; returns its URL."""
    with _maintenance() as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(_checked(name))
            )
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url(name)


def reset_schema(database_url: str) -> None:
    """Empty a bench database by recreating its public schema (refuses non-bench databases)."""
    _checked(name_of(database_url))
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
        connection.execute("CREATE SCHEMA public")


@contextmanager
def exclusive(name: str, on_wait=None):
    """Hold a server-wide advisory lock named after a bench database for the block.

    Two benches (stats, dashboard) may seed the same cached database at the same time: the
    second one waits here, then finds the first one's seed and reuses it.
    """
    key = int.from_bytes(hashlib.sha256(f"phasewise-{name}".encode()).digest()[:8], "big") >> 1
    with _maintenance() as connection:
        if not connection.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
            if on_wait:
                on_wait()
            connection.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (key,))


def server_version() -> str:
    try:
        with _maintenance() as connection:
            return connection.execute("SHOW server_version").fetchone()[0]
    except psycopg.Error:
        return "not reachable"


def app_for(database_url: str):
    """A Phasewise app bound to this database, for setup work in the bench process."""
    from app import create_app
    from config import normalise_database_url

    # "test" config: no Redis (setup never queues), no secrets needed for seeding.
    return create_app("test", {"SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url)})


def create_schema(database_url: str):
    """The current models' tables (create_all, as the tests do); returns the app used."""
    from app.extensions import db

    app = app_for(database_url)
    with app.app_context():
        db.create_all()
    return app


def require_idle_redis(redis_url: str = REDIS_URL) -> None:
    """Refuse to measure while another run's RQ worker listens on the bench Redis DB: it would
    take our jobs (two bench runs at once on one machine measure nothing useful anyway)."""
    from redis import Redis
    from rq import Worker

    connection = Redis.from_url(redis_url, socket_connect_timeout=2)
    try:
        workers = Worker.all(connection=connection)
    finally:
        connection.close()
    if workers:
        pids = ", ".join(str(worker.pid) for worker in workers)
        raise RuntimeError(
            f"another RQ worker (pid {pids}) is listening on {redis_url}; "
            "run one bench at a time, or set BENCH_REDIS_URL to a free Redis DB"
        )


def flush_redis(redis_url: str = REDIS_URL) -> None:
    from redis import Redis

    connection = Redis.from_url(redis_url, socket_connect_timeout=2)
    try:
        connection.flushdb()
    finally:
        connection.close()
