"""Every model change has a migration: upgrading an empty database gives exactly the models."""

from datetime import datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.extensions import db
from app.models import Brand, Customer
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


def test_tombstones_made_before_erased_at_get_it(tmp_path):
    """0008 adds customer.erased_at; the tombstones already there are known by their name."""
    url = _fresh_database(tmp_path)
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0007_contact_phase_index")
        # Core INSERTs fill the Python-side defaults; neither names customer.erased_at
        brand, customer = Brand.__table__, Customer.__table__
        with db.engine.begin() as connection:
            connection.execute(
                brand.insert().values(name="B", slug="b", site_key="s", identity_secret="x")
            )
            for external_id in ("erased-0123abcd", "klant-1"):
                connection.execute(
                    customer.insert().values(
                        brand_id=1, external_id=external_id, updated_at=datetime(2026, 2, 3)
                    )
                )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT external_id, erased_at FROM customer ORDER BY external_id")
            ).all()
        db.engine.dispose()
    assert [
        (external_id, str(erased)[:10] if erased else None) for external_id, erased in rows
    ] == [
        ("erased-0123abcd", "2026-02-03"),
        ("klant-1", None),
    ]
