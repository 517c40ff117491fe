"""Migration 0005_dashboard fills its tables from data that existed before it."""

from datetime import date

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from app import create_app
from app.extensions import db
from tests.conftest import DATABASE_URL, _normalise

NOW = "2026-03-02 10:00:00"
LATER = "2026-03-05 10:00:00"  # 3 days later: dwell bucket [3, 4) days


def _database(tmp_path, dialect: str) -> str:
    if dialect == "sqlite":
        return f"sqlite:///{tmp_path / 'backfill.db'}"
    url = _normalise(DATABASE_URL)
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS test_dashboard_backfill"))
        connection.execute(text("CREATE DATABASE test_dashboard_backfill"))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/test_dashboard_backfill"


ROWS = [
    "INSERT INTO brand (id, name, slug, default_locale, locales, allowed_origins, site_key, "
    "identity_secret, primary_color, contact_policy, review_policy, retention_days, created_at) "
    "VALUES (1, 'B', 'b', 'nl', '[]', '[]', 'pk_x', 'id_x', '#000', '{}', '{}', 30, :now)",
    "INSERT INTO journey (id, brand_id, name, created_at) VALUES (1, 1, 'J', :now)",
    "INSERT INTO phase (id, brand_id, journey_id, key, name, position, hypothesis) "
    "VALUES (1, 1, 1, 'a', '{}', 1, '{}'), (2, 1, 1, 'b', '{}', 2, '{}')",
    "INSERT INTO persona (id, brand_id, key, name, created_at) VALUES (5, 1, 'p', 'P', :now)",
    "INSERT INTO customer (id, brand_id, external_id, persona_id, consent, created_at, "
    "updated_at) VALUES (1, 1, 'c1', 5, '{}', :now, :now)",
    "INSERT INTO customer_phase (brand_id, customer_id, phase_id, first_reached_at) "
    "VALUES (1, 1, 1, :now), (1, 1, 2, :later)",
    "INSERT INTO survey (id, brand_id, journey_id, phase_id, default_locale, locales, "
    "family_id, version, active, created_at) VALUES (1, 1, 1, 1, 'nl', '[]', 1, 1, true, :now)",
    "INSERT INTO response (brand_id, journey_id, phase_id, survey_id, channel, locale, answers, "
    "incentivized, status, created_at, comment) VALUES "
    "(1, 1, 1, 1, 'email', 'nl', '{}', false, 'processed', :now, 'fijn'), "
    "(1, 1, 1, 1, 'email', 'nl', '{}', false, 'processed', :now, NULL), "
    "(1, 1, 1, 1, 'widget', 'en', '{}', false, 'processed', :now, NULL), "
    "(1, 1, 1, 1, 'widget', 'en', '{}', false, 'received', :now, NULL)",
]


ROLLUP = (
    "INSERT INTO rollup (brand_id, phase_id, day, channel, persona_id, touchpoint_id, locale, "
    "responses, promoters, passives, detractors, csat_sum, csat_sq, csat_n, ces_sum, ces_sq, "
    "ces_n, sentiment_sum, sentiment_sq, sentiment_n, positive, neutral, negative, "
    "emotion_delighted, emotion_satisfied, emotion_neutral, emotion_disappointed, "
    "emotion_frustrated) VALUES (1, 1, '2026-03-02', :channel, 5, 0, :locale, :n, :p, 0, :d, "
    ":csat, :csat_sq, 1, 0, 0, 0, 0.5, 0.25, 1, 1, 0, 0, 0, 0, 0, 0, 0)"
)
ROLLUPS = [
    {"channel": "email", "locale": "nl", "n": 3, "p": 2, "d": 1, "csat": 4.0, "csat_sq": 16.0},
    {"channel": "widget", "locale": "en", "n": 1, "p": 1, "d": 0, "csat": 2.0, "csat_sq": 4.0},
]


@pytest.mark.parametrize(
    "dialect",
    [
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),  # conftest skips it off PostgreSQL
    ],
)
def test_upgrade_backfills_the_dashboard_tables(tmp_path, dialect):
    url = _database(tmp_path, dialect)
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0001_foundation")
        with db.engine.begin() as connection:
            for statement in ROWS:
                connection.execute(text(statement), {"now": NOW, "later": LATER})
            for values in ROLLUPS:
                connection.execute(text(ROLLUP), values)
        upgrade(revision="0005_dashboard")
        with db.engine.connect() as connection:
            map_rows = connection.execute(
                text(
                    "SELECT persona_id, responses, promoters, detractors, csat_sum FROM map_rollup"
                )
            ).all()
            survey_rows = connection.execute(
                text("SELECT channel, responses, with_text FROM survey_rollup ORDER BY channel")
            ).all()
            dwell_rows = connection.execute(
                text("SELECT phase_id, day, persona_id, bucket, customers FROM dwell_rollup")
            ).all()
        db.engine.dispose()
    assert [tuple(row) for row in map_rows] == [(5, 4, 3, 1, 6.0)]
    assert [tuple(row) for row in survey_rows] == [("email", 2, 1), ("widget", 1, 0)]
    from app.services.dwell import bucket

    (dwell,) = dwell_rows
    assert (dwell.phase_id, dwell.persona_id, dwell.customers) == (1, 5, 1)
    assert dwell.bucket == bucket(72)
    assert str(dwell.day) == str(date(2026, 3, 2))


@pytest.mark.parametrize(
    "dialect",
    [
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ],
)
def test_upgrade_keeps_each_first_reach_on_its_day_in_the_brands_zone(tmp_path, dialect):
    """0036 gives the reaches counted before it the day the rollups counted them on: the
    brand's day in its zone (here 23:30 UTC is the next day in Amsterdam)."""
    url = _database(tmp_path, dialect)
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0035_brand_send_hours")
        with db.engine.begin() as connection:
            for statement in ROWS[:5]:
                connection.execute(text(statement), {"now": NOW, "later": LATER})
            connection.execute(text("UPDATE brand SET time_zone = 'Europe/Amsterdam'"))
            connection.execute(
                text(
                    "INSERT INTO customer_phase (brand_id, customer_id, phase_id, "
                    "first_reached_at) VALUES (1, 1, 1, '2026-03-02 23:30:00'), "
                    "(1, 1, 2, :later)"
                ),
                {"later": LATER},
            )
        upgrade(revision="0036_customer_phase_counted_day")
        with db.engine.connect() as connection:
            days = connection.execute(
                text("SELECT phase_id, counted_day FROM customer_phase ORDER BY phase_id")
            ).all()
        db.engine.dispose()
    assert [(phase_id, str(day)) for phase_id, day in days] == [
        (1, "2026-03-03"),
        (2, "2026-03-05"),
    ]
