"""0012 on an embedded database made before it: nothing is lost, and no id is given twice."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="0012 changes SQLite only")

NOW = "2026-03-02 10:00:00.000000"
# As SQLite kept it without enforcing foreign keys: touchpoint 3 was deleted, and its id is
# still on an answer; touchpoint 4, deleted too, is only in a rollup key now.
ROWS = [
    "INSERT INTO brand (id, name, slug, default_locale, locales, allowed_origins, site_key, "
    "identity_secret, primary_color, contact_policy, review_policy, retention_days, created_at) "
    "VALUES (1, 'B', 'b', 'nl', '[]', '[]', 'pk_x', 'id_x', '#000', '{}', '{}', 30, :now)",
    "INSERT INTO journey (id, brand_id, name, created_at) VALUES (1, 1, 'J', :now)",
    "INSERT INTO phase (id, brand_id, journey_id, key, name, position, hypothesis) "
    "VALUES (1, 1, 1, 'a', '{}', 1, '{}')",
    "INSERT INTO touchpoint (id, brand_id, phase_id, name, channel, created_at) "
    "VALUES (1, 1, 1, 'Winkel', 'store', :now), (2, 1, 1, 'Site', 'web', :now)",
    "INSERT INTO survey (id, brand_id, journey_id, phase_id, default_locale, locales, "
    "family_id, version, active, created_at) VALUES (1, 1, 1, 1, 'nl', '[]', 1, 1, 1, :now)",
    "INSERT INTO response (id, brand_id, journey_id, phase_id, survey_id, touchpoint_id, "
    "channel, locale, answers, incentivized, status, created_at) VALUES "
    "(1, 1, 1, 1, 1, 2, 'api', 'nl', '{}', 0, 'processed', :now), "
    "(2, 1, 1, 1, 1, 3, 'api', 'nl', '{}', 0, 'processed', :now)",
    "INSERT INTO rollup (brand_id, phase_id, day, channel, persona_id, touchpoint_id, locale, "
    "responses, promoters, passives, detractors, csat_sum, csat_sq, csat_n, ces_sum, ces_sq, "
    "ces_n, sentiment_sum, sentiment_sq, sentiment_n, positive, neutral, negative, "
    "emotion_delighted, emotion_satisfied, emotion_neutral, emotion_disappointed, "
    "emotion_frustrated) VALUES (1, 1, '2026-03-02', 'api', 0, 4, 'nl', "
    "1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)",
]


def _counts(connection) -> dict:
    tables = ("brand", "journey", "phase", "touchpoint", "survey", "response", "rollup")
    return {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in tables}  # noqa: S608


def test_rebuilt_tables_keep_their_rows_and_never_reuse_an_id(tmp_path):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"})
    with app.app_context():
        upgrade(revision="0011_conversion_at_first_reach")
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")  # as it was: unenforced
            connection.commit()
            for statement in ROWS:
                connection.execute(text(statement), {"now": NOW})
            connection.commit()
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")
            connection.commit()
            before = _counts(connection)
        # The rebuild drops and renames tables others refer to: with foreign keys enforced
        # during it, dropping `phase` would take the answers and rollups with it.
        upgrade()
        with db.engine.connect() as connection:
            assert _counts(connection) == before
            touchpoints = connection.execute(
                text("SELECT id, touchpoint_id FROM response ORDER BY id")
            ).all()
            assert touchpoints == [(1, 2), (2, None)]  # what ON DELETE SET NULL did on PostgreSQL
            connection.execute(
                text(
                    "INSERT INTO touchpoint (brand_id, phase_id, name, channel, created_at) "
                    "VALUES (1, 1, 'Nieuw', 'web', :now)"
                ),
                {"now": NOW},
            )
            new_id = connection.execute(text("SELECT max(id) FROM touchpoint")).scalar()
            assert new_id == 5  # above 4, the highest id a rollup still names
            enforced = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
            assert enforced == 1  # migrations left the connection as the app wants it
            connection.rollback()
        downgrade(revision="0011_conversion_at_first_reach")
        with db.engine.connect() as connection:
            assert _counts(connection) == before
        db.engine.dispose()
