"""Every model change has a migration: upgrading an empty database gives exactly the models."""

import json
from datetime import date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import column, create_engine, inspect, table, text

from app import create_app
from app.extensions import db
from app.models import Customer
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


def insert_brand(connection) -> None:
    """Brand 1 by a Core INSERT into an older schema: the model's Python-side defaults fill the
    columns that schema has; the columns added since are left out."""
    model = db.metadata.tables["brand"]
    present = {found["name"] for found in inspect(connection).get_columns("brand")}
    values = {"name": "B", "slug": "b", "site_key": "s", "identity_secret": "x"}
    for name in present - set(values):
        default = model.c[name].default
        if default is not None:  # a callable default is wrapped to take the execution context
            values[name] = default.arg(None) if callable(default.arg) else default.arg
    brand = table("brand", *(column(name, model.c[name].type) for name in values))
    connection.execute(brand.insert().values(**values))


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
        customer = Customer.__table__
        with db.engine.begin() as connection:
            insert_brand(connection)
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


def _brand_with_journey(connection, *phases: str) -> None:
    """Brand 1 with journey 1 of these phases (ids 1, 2, …), by Core INSERTs: the models'
    Python-side defaults fill what an older schema already had."""
    tables = db.metadata.tables
    insert_brand(connection)
    connection.execute(tables["journey"].insert().values(brand_id=1, name="J"))
    for position, key in enumerate(phases, start=1):
        connection.execute(
            tables["phase"]
            .insert()
            .values(brand_id=1, journey_id=1, key=key, name={"nl": key}, position=position)
        )


def test_half_translated_surveys_stop_offering_the_missing_language(tmp_path):
    """0010: a survey speaks a language only when every question and option has it."""
    url = _fresh_database(tmp_path)
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
    both, half_text, half_option = (
        {"nl": "Vraag?", "en": "Question?"},
        {"nl": "Vraag?"},
        [
            {"key": "a", "label": {"nl": "A", "en": "A"}},
            {"key": "b", "label": {"en": "B"}},
        ],
    )
    with app.app_context():
        upgrade(revision="0009_survey_revision")
        survey, question = db.metadata.tables["survey"], db.metadata.tables["question"]
        with db.engine.begin() as connection:
            _brand_with_journey(connection, "p")
            for survey_id, default, texts, options in [
                (1, "nl", [both, both], None),
                (2, "nl", [both, half_text], None),
                (3, "en", [both], half_option),
            ]:
                connection.execute(
                    survey.insert().values(
                        id=survey_id,
                        brand_id=1,
                        journey_id=1,
                        phase_id=1,
                        default_locale=default,
                        locales=["nl", "en"],
                        family_id=survey_id,
                    )
                )
                for position, wording in enumerate(texts, start=1):
                    connection.execute(
                        question.insert().values(
                            survey_id=survey_id,
                            key=f"q{position}",
                            position=position,
                            type="choice" if options else "text",
                            text=wording,
                            options=options,
                        )
                    )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT id, locales FROM survey ORDER BY id")).all()
        db.engine.dispose()
    assert [(i, json.loads(v) if isinstance(v, str) else v) for i, v in rows] == [
        (1, ["nl", "en"]),
        (2, ["nl"]),
        (3, ["en"]),
    ]


def test_conversion_is_counted_again_with_current_values_and_earliest_events(tmp_path):
    """0011: a conversion counted with the later event's value, and a first reach recorded
    after an earlier event, are counted again as services.conversion counts them."""
    url = _fresh_database(tmp_path)
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
    tables = db.metadata.tables
    with app.app_context():
        upgrade(revision="0010_survey_whole_locales")
        with db.engine.begin() as connection:
            _brand_with_journey(connection, "a", "b", "c")
            connection.execute(
                tables["customer"]
                .insert()
                .values(brand_id=1, external_id="k", value=9000, updated_at=datetime(2026, 3, 1))
            )
            connection.execute(
                text(
                    "INSERT INTO customer_phase (brand_id, customer_id, phase_id, "
                    "first_reached_at) VALUES (1, 1, 1, '2026-03-10 00:00:00'), "
                    "(1, 1, 2, '2026-03-12 00:00:00')"
                )
            )
            connection.execute(  # the earliest event in phase a, recorded after the reach
                tables["journey_event"]
                .insert()
                .values(
                    brand_id=1,
                    customer_id=1,
                    journey_id=1,
                    phase_id=1,
                    occurred_at=datetime(2026, 3, 5),
                )
            )
            # as the old code counted: reached at 1000, converted at 9000
            _counted(connection, 1, date(2026, 3, 10), 1000, 1, 9000, 48)
        upgrade()
        conversion, dwell = _conversion_figures()
        db.engine.dispose()
    assert conversion == [
        (1, "2026-03-05", 1, 9000, 1, 9000, 168),
        (2, "2026-03-12", 1, 9000, 0, 0, 0),
    ]
    assert dwell == [(1, "2026-03-05", 8, 1)]


def _counted(connection, phase_id, day, reached_value, converted, converted_value, hours):
    """One customer's conversion rollup row, as an older version of the code counted it."""
    connection.execute(
        db.metadata.tables["conversion_rollup"]
        .insert()
        .values(
            brand_id=1,
            phase_id=phase_id,
            day=day,
            persona_id=0,
            reached=1,
            reached_value=reached_value,
            converted=converted,
            converted_value=converted_value,
            dwell_hours_sum=hours,
        )
    )


def _conversion_figures() -> tuple[list, list]:
    """The conversion and dwell rollups as (phase, day, counts…) rows, by phase."""
    with db.engine.connect() as connection:
        conversion = connection.execute(
            text(
                "SELECT phase_id, day, reached, reached_value, converted, converted_value, "
                "dwell_hours_sum FROM conversion_rollup ORDER BY phase_id"
            )
        ).all()
        dwell = connection.execute(
            text("SELECT phase_id, day, bucket, customers FROM dwell_rollup ORDER BY phase_id")
        ).all()
    return (
        [(p, str(d)[:10], *rest) for p, d, *rest in conversion],  # SQLite: text
        [(p, str(d)[:10], b, n) for p, d, b, n in dwell],
    )


def test_choice_answers_already_processed_are_counted(tmp_path):
    """0016: the options chosen before choice_rollup existed are in it after the upgrade."""
    url = _fresh_database(tmp_path)
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0015_redeemed_reward_name")
        tables = db.metadata.tables
        options = [{"key": "google", "label": "Google"}, {"key": "vriend", "label": "Vriend"}]
        with db.engine.begin() as connection:
            _brand_with_journey(connection, "p")
            connection.execute(
                tables["survey"]
                .insert()
                .values(id=1, brand_id=1, journey_id=1, phase_id=1, default_locale="nl",
                        locales=["nl"], family_id=1)
            )  # fmt: skip
            connection.execute(
                tables["question"]
                .insert()
                .values(survey_id=1, key="via", position=1, type="choice", text={"nl": "Via?"},
                        options=options)
            )  # fmt: skip
            for day, choice, status in [
                (3, "google", "processed"),
                (3, "google", "processed"),
                (4, "vriend", "processed"),
                (4, "vriend", "received"),  # the pipeline counts it when it gets to it
            ]:
                connection.execute(
                    tables["response"]
                    .insert()
                    .values(brand_id=1, journey_id=1, phase_id=1, survey_id=1, channel="api",
                            locale="nl", answers={"via": choice}, status=status,
                            created_at=datetime(2026, 3, day, 12))
                )  # fmt: skip
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT option, day, answers FROM choice_rollup ORDER BY day, option")
            ).all()
        db.engine.dispose()
    assert [(option, str(day)[:10], n) for option, day, n in rows] == [
        ("google", "2026-03-03", 2),
        ("vriend", "2026-03-04", 1),
    ]


def test_a_customer_who_skipped_a_phase_counts_as_gone_on(tmp_path):
    """0019: conversion counted again as services.conversion now counts it (reaching any later
    phase); its downgrade counts the next phase only again."""
    from flask_migrate import downgrade

    url = _fresh_database(tmp_path)
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
    tables = db.metadata.tables

    with app.app_context():
        upgrade(revision="0018_touchpoint_former_names")
        with db.engine.begin() as connection:
            _brand_with_journey(connection, "a", "b", "c")
            connection.execute(
                tables["customer"]
                .insert()
                .values(brand_id=1, external_id="k", value=500, updated_at=datetime(2026, 3, 1))
            )
            connection.execute(  # reached a, then c: skipped b
                text(
                    "INSERT INTO customer_phase (brand_id, customer_id, phase_id, "
                    "first_reached_at, value, persona_id) VALUES "
                    "(1, 1, 1, '2026-03-10 00:00:00', 500, 0), "
                    "(1, 1, 3, '2026-03-20 00:00:00', 500, 0)"
                )
            )
            for phase_id, day in ((1, date(2026, 3, 10)), (3, date(2026, 3, 20))):
                _counted(connection, phase_id, day, 500, 0, 0, 0)  # nobody went on from a
        upgrade()
        gone_on = _conversion_figures()
        downgrade(revision="0018_touchpoint_former_names")
        next_only = _conversion_figures()
        db.engine.dispose()
    a, c = (1, "2026-03-10"), (3, "2026-03-20")
    assert gone_on == ([(*a, 1, 500, 1, 500, 240), (*c, 1, 500, 0, 0, 0)], [(*a, 11, 1)])
    assert next_only == ([(*a, 1, 500, 0, 0, 0), (*c, 1, 500, 0, 0, 0)], [])


def test_taking_former_names_away_again_keeps_touchpoint_ids_unique(tmp_path):
    """0018's downgrade on SQLite drops the column in place: a table rebuild would set the
    sequence back to the highest id left, and a deleted touchpoint's id would come back."""
    import pytest
    from flask_migrate import downgrade

    if ON_POSTGRES:
        pytest.skip("SQLite's sequences only; PostgreSQL drops a column in place anyway")
    url = _fresh_database(tmp_path)
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM sqlite_sequence WHERE name = 'touchpoint'"))
            connection.execute(text("INSERT INTO sqlite_sequence VALUES ('touchpoint', 50)"))
        downgrade(revision="0017_follow_up_alerts")
        with db.engine.connect() as connection:
            seq = connection.execute(
                text("SELECT seq FROM sqlite_sequence WHERE name = 'touchpoint'")
            ).scalar()
        db.engine.dispose()
    assert seq == 50


def test_logins_made_before_0027_stay_and_their_email_may_join_another_brand(tmp_path):
    """0027 moves the email's uniqueness from all of Phasewise to one brand's team."""
    from sqlalchemy.exc import IntegrityError

    url = _fresh_database(tmp_path)
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
    login = {"email": "an@bureau.example", "password_hash": "x", "role": "owner"}
    login["created_at"] = datetime(2026, 12, 1)
    users = db.metadata.tables["user_account"]
    with app.app_context():
        upgrade(revision="0026_brand_reply_to")
        with db.engine.begin() as connection:
            insert_brand(connection)
            connection.execute(users.insert().values(brand_id=1, **login))
        upgrade()
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE brand SET slug = 'a', site_key = 'sa'"))
            insert_brand(connection)  # brand 2
            connection.execute(users.insert().values(brand_id=2, **login))
            emails = connection.execute(text("SELECT brand_id, email FROM user_account"))
            assert sorted(emails) == [(1, "an@bureau.example"), (2, "an@bureau.example")]
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(users.insert().values(brand_id=2, **login))  # twice on one team
        db.engine.dispose()


def test_0030_fills_each_customers_first_ledger_moment(tmp_path):
    """An upgraded install's members are there at once: MIN(effective_at) per brand and
    customer, from the ledger as it stood; a customer without entries has no row."""
    url = _fresh_database(tmp_path)
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
    entries = db.metadata.tables["loyalty_entry"]
    customer = Customer.__table__
    with app.app_context():
        upgrade(revision="0028_lookup_indexes")
        with db.engine.begin() as connection:
            insert_brand(connection)
            for external_id in ("anna", "bob", "carla"):
                connection.execute(customer.insert().values(brand_id=1, external_id=external_id))
            for number, (customer_id, day) in enumerate([(1, 9), (1, 3), (1, 5), (2, 7)]):
                connection.execute(
                    entries.insert().values(
                        brand_id=1,
                        customer_id=customer_id,
                        kind="earn",
                        points=10,
                        source_type="test",
                        source_id=str(number),
                        reason="answered",
                        effective_at=datetime(2026, 11, day, 12),
                        created_at=datetime(2026, 12, 1),
                    )
                )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT brand_id, customer_id, first_points_at FROM loyalty_member")
            ).all()
        db.engine.dispose()
    assert sorted((b, c, str(moment)[:16]) for b, c, moment in rows) == [
        (1, 1, "2026-11-03 12:00"),
        (1, 2, "2026-11-07 12:00"),
    ]


def test_reviews_already_there_are_in_the_tally_after_0029(tmp_path):
    """0029 counts the reviews an upgraded install has into review_tally, as the code keeps it."""
    from app.services import review_tally

    url = _fresh_database(tmp_path)
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
    tables = db.metadata.tables
    at = datetime(2026, 11, 2, 12)
    reviews = [  # (phase, rating, status, ever published, verified, incentivized)
        (1, 5, "published", True, True, False),
        (1, 5, "published", True, False, True),
        (1, 5, "removed", True, True, True),
        (1, 2, "pending", False, False, False),
        (2, 4, "rejected", False, True, False),
        (2, 4, "published", True, True, True),
    ]
    with app.app_context():
        upgrade(revision="0028_lookup_indexes")
        with db.engine.begin() as connection:
            _brand_with_journey(connection, "a", "b")
            connection.execute(
                tables["survey"]
                .insert()
                .values(id=1, brand_id=1, journey_id=1, phase_id=1, default_locale="nl",
                        locales=["nl"], family_id=1)
            )  # fmt: skip
            for number, (phase, rating, status, public, verified, paid) in enumerate(reviews):
                connection.execute(
                    tables["response"]
                    .insert()
                    .values(id=number + 1, brand_id=1, journey_id=1, phase_id=phase, survey_id=1,
                            channel="api", locale="nl", answers={}, status="processed",
                            created_at=at)
                )  # fmt: skip
                connection.execute(
                    tables["review"]
                    .insert()
                    .values(brand_id=1, response_id=number + 1, journey_id=1, phase_id=phase,
                            rating=rating, rating_source="nps", source_score=2 * rating,
                            body="Goed.", body_hash=str(number), display_name="A", locale="nl",
                            channel="api", verified=verified, incentivized=paid, status=status,
                            answered_at=at, published_at=at if public else None, updated_at=at)
                )  # fmt: skip
        upgrade()
        rows = {key: counters for key, counters in review_tally.stored().items()}
        exact = review_tally.differences()
        db.session.remove()
        db.engine.dispose()
    assert exact == {}
    names = ("pending", "published", "rejected", "removed", "published_verified")
    names = (*names, "published_incentivized", "ever_public")
    assert {key: tuple(counters[name] for name in names) for key, counters in rows.items()} == {
        (1, 1, 5): (0, 2, 0, 1, 1, 1, 3),
        (1, 1, 2): (1, 0, 0, 0, 0, 0, 0),
        (1, 2, 4): (0, 1, 1, 0, 1, 1, 1),
    }


def test_0032_gives_back_the_asks_of_invitations_already_failed(tmp_path):
    """Failed invitations are classed by their last error and give back their ask (the
    contact row of their customer, phase and channel written with them); a queued one is
    linked to its ask; an ask of another phase, or made later, is left."""
    import sqlalchemy as sa

    url = _fresh_database(tmp_path)
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
    tables = db.metadata.tables
    old_invitation = sa.table(
        "invitation",
        *(
            column(name, tables["invitation"].c[name].type)
            for name in (
                "id", "brand_id", "customer_id", "survey_id", "phase_id", "channel", "locale",
                "status", "attempts", "last_error", "created_at", "expires_at",
            )
        ),
    )  # fmt: skip
    at = datetime(2026, 12, 1, 9)
    later = datetime(2026, 12, 3, 9)
    invitations = [  # id, customer, status, last error
        (1, 1, "failed", "550 5.1.1 mailbox unknown"),
        (2, 2, "failed", "ConnectionRefusedError: [Errno 111] Connection refused"),
        (3, 3, "failed", "552 5.2.2 mailbox full"),
        (4, 4, "queued", None),
        (5, 5, "sent", None),
    ]
    asks = [  # id, customer, phase, created_at
        (1, 1, 1, at.replace(microsecond=300)),
        (2, 2, 1, at.replace(microsecond=200)),
        (3, 3, 1, at.replace(microsecond=900)),
        (4, 4, 1, at.replace(microsecond=100)),
        (5, 5, 1, at.replace(microsecond=100)),
        (6, 1, 2, at.replace(microsecond=300)),  # another phase
        (7, 2, 1, later),  # a later ask of the same phase
    ]
    with app.app_context():
        upgrade(revision="0031_idempotent_creates")
        with db.engine.begin() as connection:
            _brand_with_journey(connection, "levering", "gebruik")
            connection.execute(
                tables["survey"].insert().values(brand_id=1, journey_id=1, phase_id=1)
            )
            for number in range(1, 6):
                connection.execute(
                    Customer.__table__.insert().values(brand_id=1, external_id=f"k{number}")
                )
            for contact_id, customer_id, phase_id, created_at in asks:
                connection.execute(
                    tables["contact"]
                    .insert()
                    .values(
                        id=contact_id,
                        brand_id=1,
                        customer_id=customer_id,
                        journey_id=1,
                        phase_id=phase_id,
                        channel="email",
                        created_at=created_at,
                    )
                )
            for invitation_id, customer_id, status, error in invitations:
                connection.execute(
                    old_invitation.insert().values(
                        id=invitation_id,
                        brand_id=1,
                        customer_id=customer_id,
                        survey_id=1,
                        phase_id=1,
                        channel="email",
                        locale="nl",
                        status=status,
                        attempts=1,
                        last_error=error,
                        created_at=at,
                        expires_at=later,
                    )
                )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, failure, contact_id FROM invitation ORDER BY id")
            ).all()
            contacts = connection.execute(text("SELECT id FROM contact ORDER BY id")).scalars()
            contacts = list(contacts)
        db.engine.dispose()
    assert [tuple(row) for row in rows] == [
        (1, "refused", None),
        (2, "temporary", None),
        (3, "temporary", None),  # 552 at RCPT is a full mailbox: temporary
        (4, None, 4),
        (5, None, None),
    ]
    assert contacts == [4, 5, 6, 7]


def test_healthz_is_503_until_the_database_is_at_this_codes_head(tmp_path):
    """A load balancer must not send traffic to code whose tables are not there yet: every
    write would be a 500 (found in an operator walkthrough: gunicorn started before
    `flask db upgrade`, and after a downgrade)."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db as _db

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": _fresh_database(tmp_path)})
    client = app.test_client()

    def health():
        reply = client.get("/healthz")
        return reply.status_code, reply.json.get("schema")

    def stamp(revision):
        _db.session.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
        _db.session.commit()

    with app.app_context():
        assert health() == (503, "missing")
        upgrade(revision="0036_customer_phase_counted_day")
        assert health() == (503, "behind")
        upgrade()
        assert health() == (200, None)
        # a newer release migrated (a rolling deploy): migrations add, so this code still
        # serves, and its workers that restart stay in the pool
        stamp("9999_future")
        assert health() == (200, "newer")
        # a downgrade under running code is seen at the next probe, not only after a restart
        stamp("0036_customer_phase_counted_day")
        assert health() == (503, "behind")
        _db.session.remove()
        _db.engine.dispose()


@pytest.mark.postgres
def test_two_upgrades_at_once_both_end_at_the_head(tmp_path):
    """Two deploy nodes running `flask db upgrade` together: one failed with a raw
    UniqueViolation on a type the other had just made (operator walkthrough). The second now
    waits for the first's advisory lock and finds nothing to do."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    uri = _fresh_database(tmp_path)
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": uri}
    env.pop("REDIS_URL", None)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"]
    root = Path(__file__).resolve().parents[2]
    runs = [
        subprocess.Popen(flask, cwd=root, env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    errors = [run.communicate(timeout=300)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], errors
    engine = create_engine(uri)
    with engine.connect() as connection:
        stored = connection.scalar(text("SELECT version_num FROM alembic_version"))
    engine.dispose()
    from alembic.script import ScriptDirectory

    assert stored == ScriptDirectory(str(root / "migrations")).get_current_head()
