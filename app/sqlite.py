"""The embedded SQLite database held to the rules PostgreSQL keeps.

SQLite enforces foreign keys only on connections that ask for it, each time: without the
pragma, ON DELETE SET NULL and CASCADE did nothing, and a deleted touchpoint's answers kept
its id. Migrations switch it off while they rebuild tables (migrations/env.py).
"""

from flask import Flask
from sqlalchemy import event


def init_app(app: Flask) -> None:
    from app.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _enforce_foreign_keys)


def _enforce_foreign_keys(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")  # outside a transaction, where it takes effect
    cursor.close()
