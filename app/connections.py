"""A pooled PostgreSQL connection is checked before each use, without a round-trip.

SQLAlchemy's pool_pre_ping sends a SELECT 1 at every checkout: one more round-trip for every
request, which on the answer path cost about a seventh of intake's throughput
(bench/intake.py). A connection the server has closed (a restart, an idle timeout,
pg_terminate_backend) has something to read on its socket, the server's goodbye or its end of
file, while a live idle connection has nothing, so a poll that does not wait tells them apart
in microseconds. A closed one makes the pool connect anew (DisconnectionError), as a failed
ping would. What no poll can see is a peer that vanished without a word (a cable pulled): the
statement then fails once and the pool is invalidated, as it would be with no check at all.
"""

import select

from flask import Flask
from rq.timeouts import BaseTimeoutException
from sqlalchemy import event, exc

# The database's trouble (connection lost, deadlock, serialization), or the job's time
# running out (RQ raises its job timeout inside the job, wherever it is), not the rows': a
# job that meets one ends and is retried whole rather than blaming the row in hand, and a
# loop that notes a row's fault and goes on must let these through.
TRANSIENT = (exc.OperationalError, exc.InterfaceError, BaseTimeoutException)


def closed_by_server(dbapi_connection) -> bool:
    """True when this idle psycopg connection is closed or has unread bytes from the server
    (an idle one has none: we use no LISTEN). Other drivers (SQLite) are never closed so."""
    fileno = getattr(dbapi_connection, "fileno", None)
    if fileno is None:
        return False
    if dbapi_connection.closed or dbapi_connection.broken:
        return True
    poll = select.poll()
    poll.register(fileno(), select.POLLIN)
    return bool(poll.poll(0))


def init_app(app: Flask) -> None:
    from app.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            event.listen(engine, "checkout", _check)


def _check(dbapi_connection, _record, _proxy) -> None:
    if closed_by_server(dbapi_connection):
        raise exc.DisconnectionError("the server closed this connection")
