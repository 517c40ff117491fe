"""Every model change has a migration: upgrading an empty database gives exactly the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.extensions import db
from tests.conftest import ON_POSTGRES


def _fresh_database(tmp_path) -> str:
    if not ON_POSTGRES:
        return f"sqlite:///{tmp_path / 'migrated.db'}"
    from tests.conftest import DATABASE_URL, _normalise

    url = _normalise(DATABASE_URL)
    server, _, name = url.rpartition("/")
    # named after the test database, so two runs on one server do not collide
    scratch = f"{name.split('?')[0]}_migrations"
    admin = create_engine(server + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch}"'))
        connection.execute(text(f'CREATE DATABASE "{scratch}"'))
    admin.dispose()
    return f"{server}/{scratch}"


def test_migrations_match_the_models(tmp_path):
    url = _fresh_database(tmp_path)
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()  # "head": fails when two migrations fork the history
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        tables = set(inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
    assert {"brand", "response", "rollup"} <= tables
