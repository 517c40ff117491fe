"""Fixtures: app, db, client, brand, api_key … on SQLite by default, on the real services in CI.

Tests marked postgres / redis / browser / smtp need a real service. Locally they skip when it
is missing; in CI (CI=true or PHASEWISE_REQUIRE_SERVICES=1) they fail instead, so a missing
service can never turn the suite green by skipping.
"""

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import db as _db
from bench.chromium import CHROMIUM
from tests.openapi_check import keeps_the_document

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
ON_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql"))
REQUIRE_SERVICES = (
    os.environ.get("CI") == "true" or os.environ.get("PHASEWISE_REQUIRE_SERVICES") == "1"
)

MISSING = {
    "postgres": (lambda: not ON_POSTGRES, "DATABASE_URL does not point at PostgreSQL"),
    "redis": (lambda: not REDIS_URL, "REDIS_URL is not set"),
    "browser": (lambda: not Path(CHROMIUM).exists(), f"{CHROMIUM} is not installed"),
}


def pytest_runtest_setup(item):
    for marker, (missing, reason) in MISSING.items():
        if marker in item.keywords and missing():
            if REQUIRE_SERVICES:
                pytest.fail(f"{reason}, and CI requires it", pytrace=False)
            pytest.skip(reason)


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory):
    if ON_POSTGRES:
        return DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(database_uri):
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": _normalise(database_uri)})
    with app.app_context():
        _db.drop_all()
        # create_all's tables carry no revision: one a migration left (a shared database)
        # would make /healthz compare it with this code's head
        _db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        _db.session.commit()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()  # closed now, not by the garbage collector (filterwarnings=error)


def _normalise(uri: str) -> str:
    from config import normalise_database_url

    return normalise_database_url(uri)


def wipe(app) -> None:
    """Empty every table: TRUNCATE on PostgreSQL, DELETE on SQLite. First the review tally is
    recounted: a test that changed reviews by a path that does not keep it fails here."""
    with app.app_context():
        _db.session.remove()
        wrong = _tally_differences()
        tables = list(reversed(_db.metadata.sorted_tables))
        if _db.engine.dialect.name == "postgresql":
            # DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE's new files for ~30
            # tables cost 0.25 s a test against 3 ms. One round-trip; ids start again at 1.
            deletes = [f'DELETE FROM "{table.name}"' for table in tables]  # noqa: S608 — ours
            sequences = _db.session.scalars(
                text("SELECT oid::regclass::text FROM pg_class WHERE relkind = 'S'")
            ).all()
            resets = [f"SELECT setval('{name}', 1, false)" for name in sequences]
            _db.session.connection().connection.driver_connection.execute(
                "; ".join(deletes + resets)
            )
        else:
            for table in tables:
                _db.session.execute(table.delete())
            # AUTOINCREMENT tables keep their last id: ids start at 1 again, as setval does.
            _db.session.execute(text("DELETE FROM sqlite_sequence"))
        _db.session.commit()
        from app.services import survey_specs

        survey_specs.forget()  # ids start again at 1: a held survey would be another test's
    assert not wrong, f"review_tally differs from a recount, {{key: (tally, recount)}}: {wrong}"


def _tally_differences() -> dict:
    """Where review_tally and a recount of the reviews differ (app/services/review_tally.py)."""
    from app.services import review_tally

    try:
        return review_tally.differences()
    finally:
        _db.session.remove()


@pytest.fixture
def db(app):
    with app.app_context():
        yield _db
        _db.session.remove()
    wipe(app)


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def brand_and_key(db):
    from app.services import brands

    brand, secret = brands.create_brand("Testbad", "testbad", "nl", ["https://shop.example"])
    return brand, secret


@pytest.fixture
def brand(brand_and_key):
    return brand_and_key[0]


@pytest.fixture
def api_key(brand_and_key):
    return brand_and_key[1]


class ApiClient:
    """The test client with a bearer key and JSON bodies."""

    def __init__(self, client, key):
        self.client, self.key = client, key

    def _headers(self, headers):
        return {"Authorization": f"Bearer {self.key}", **(headers or {})}

    def _call(self, method, url, headers, **kwargs):
        answer = self.client.open(url, method=method, headers=self._headers(headers), **kwargs)
        return keeps_the_document(method, url, answer)

    def get(self, url, headers=None, **kwargs):
        return self._call("GET", url, headers, **kwargs)

    def post(self, url, json=None, headers=None, **kwargs):
        return self._call("POST", url, headers, json=json, **kwargs)

    def patch(self, url, json=None, headers=None, **kwargs):
        return self._call("PATCH", url, headers, json=json, **kwargs)

    def put(self, url, json=None, headers=None, **kwargs):
        return self._call("PUT", url, headers, json=json, **kwargs)

    def delete(self, url, headers=None, **kwargs):
        return self._call("DELETE", url, headers, **kwargs)


@pytest.fixture
def api(client, api_key):
    return ApiClient(client, api_key)


JOURNEY = {
    "name": "Badkamer",
    "phases": [
        {
            "key": "orientatie",
            "name": {"nl": "Oriëntatie", "en": "Orientation"},
            "hypothesis": {"nps": 40, "csat": 4.2, "conversion": 0.6},
        },
        {"key": "aankoop", "name": "Aankoop"},
        {
            "key": "levering",
            "name": {"nl": "Levering & montage", "en": "Delivery"},
            "hypothesis": {"nps": 30},
        },
    ],
}

SURVEY_QUESTIONS = [
    {
        "key": "nps",
        "type": "nps",
        "text": {"nl": "Hoe waarschijnlijk…?", "en": "How likely…?"},
        "required": True,
    },
    {
        "key": "csat",
        "type": "csat",
        "text": {"nl": "Hoe tevreden bent u?", "en": "How satisfied are you?"},
    },
    {"key": "why", "type": "text", "text": {"nl": "Waarom?", "en": "Why?"}, "max_length": 500},
]


def levering_survey(brand, journey_id: int, questions=SURVEY_QUESTIONS):
    """A Dutch survey on the test journey's "levering" phase, made through the service."""
    from app.services import surveys

    return surveys.create_survey(
        brand,
        {"journey_id": journey_id, "phase": "levering", "locale": "nl", "questions": questions},
    )


def brand_with_survey(name: str, slug: str, questions=SURVEY_QUESTIONS):
    """(brand, key, journey, survey) made through the services, in the caller's app context:
    for tests whose app is not the `app` fixture's (a second app that queues on Redis)."""
    from app.services import brands, journeys

    brand, key = brands.create_brand(name, slug, "nl")
    journey = journeys.create_journey(brand, JOURNEY)
    return brand, key, journey, levering_survey(brand, journey.id, questions)


def reached_on_arrival(name: str, slug: str):
    """A brand whose levering survey emails customers as soon as a journey event brings them
    there, and customer k1 (k1@example.nl) just brought there: her invitation is due now.
    Made through the services, in the caller's app context (as brand_with_survey)."""
    from app.extensions import db as _db
    from app.services import customers

    brand, _key, journey, survey = brand_with_survey(name, slug)
    survey.invite_after_hours = 0
    _db.session.commit()
    customers.upsert(brand, {"external_id": "k1", "email": "k1@example.nl"})
    customers.record_event(
        brand, {"customer": "k1", "journey_id": journey.id, "phase": survey.phase.key}
    )
    return brand


@pytest.fixture
def journey(api):
    response = api.post("/api/v1/journeys", json=JOURNEY)
    assert response.status_code == 201, response.json
    return response.json


def new_survey(api, journey_id: int, phase: str = "levering", questions=SURVEY_QUESTIONS):
    """A Dutch survey made through the API, as its JSON."""
    body = {"journey_id": journey_id, "phase": phase, "locale": "nl", "questions": questions}
    response = api.post("/api/v1/surveys", json=body)
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture
def survey(api, journey):
    return new_survey(api, journey["id"])


@pytest.fixture
def other_brand(db):
    """A second tenant with its own key, journey and survey: its rows must stay invisible."""
    brand, secret, journey, survey = brand_with_survey(
        "Ander Bad", "ander-bad", SURVEY_QUESTIONS[:1]
    )
    return {"brand": brand, "key": secret, "journey_id": journey.id, "survey_id": survey.id}


@pytest.fixture
def redis_app(database_uri, app):
    """A second app on the same database that queues on the real Redis (flushed around the test)."""
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    redis_app = create_app(
        "test", {"SQLALCHEMY_DATABASE_URI": _normalise(database_uri), "REDIS_URL": REDIS_URL}
    )
    from redis import Redis

    connection = Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield redis_app
    connection.flushdb()
    connection.close()
    with redis_app.app_context():
        _db.session.remove()
        _db.engine.dispose()
    wipe(app)


def brand_today(zone: str | None = None):
    """Today where a brand is (its time zone; the default one): the day its figures count.
    From 23:00 UTC in winter it is already tomorrow in Amsterdam."""
    from app import timestamps
    from app.models.base import utcnow

    return timestamps.local_day(utcnow(), zone or timestamps.DEFAULT_ZONE)


@pytest.fixture
def count_rows(db):
    def count(model) -> int:
        return db.session.query(model).count()

    return count


def burst_worker(**env):
    """`flask worker --burst` in a process (and process group) of its own, on the test
    database and Redis, with these environment variables too: for tests that kill it."""
    import os
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
        env={
            **os.environ,
            "APP_ENV": "development",
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": "x" * 40,
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_for_lock_waits(engine, count: int = 1, query: str = "%", seconds: float = 5) -> bool:
    """Whether `count` sessions came to wait for a row or table lock (their statement like
    `query`) within `seconds`: how a race test knows its contenders are where it wants them.
    pg_stat_activity is a snapshot per transaction, so it is read in autocommit."""
    import time

    sql = text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND datname = current_database() AND query ILIKE :query"
    )
    with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as watcher:
        deadline = time.monotonic() + seconds
        while watcher.execute(sql, {"query": query}).scalar() < count:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
    return True


class Contenders:
    """Requests, each from a thread of its own, that meet a row lock a second connection
    holds: inside the block they all wait on it (and `holding` can write what a concurrent
    writer would have), at its end the holder commits and they go on, one by one. Then
    `replies` has their answers. A request is a callable that returns one (see `api_post`)."""

    def __init__(self, requests, lock_sql: str, params: dict):
        self.requests, self.lock_sql, self.params = requests, lock_sql, params
        self.replies: list = []

    def __enter__(self):
        import threading

        self.holding = _db.engine.connect()
        self.transaction = self.holding.begin()
        self.holding.execute(text(self.lock_sql), self.params)
        self.threads = [
            threading.Thread(target=lambda request=request: self.replies.append(request()))
            for request in self.requests
        ]
        for thread in self.threads:
            thread.start()
        if not wait_for_lock_waits(_db.engine, count=len(self.threads)):
            self.__exit__(AssertionError, None, None)
            raise AssertionError("the requests never all waited for the lock")
        return self

    def __exit__(self, kind, error, trace):
        if kind is None:
            self.transaction.commit()
        else:
            self.transaction.rollback()
        self.holding.close()
        for thread in self.threads:
            thread.join(30)


def api_post(app, api, url: str, body: dict | None = None):
    """A request for Contenders: this POST with the API key, from a client of its own."""
    return lambda: app.test_client().post(url, json=body, headers=api._headers(None))


def csv_text(response) -> str:
    """A CSV download as a program reads it: without the byte-order mark Excel needs."""
    data = response.get_data()
    assert data.startswith("\ufeff".encode()), "a CSV download starts with a byte-order mark"
    return data.decode("utf-8-sig")


@pytest.fixture
def claimed_meanwhile(app, monkeypatch):
    """`arm(other)`: the pipeline's next claim returns its rows only after `other()` has run
    to its end in a thread and session of its own: two processors that claimed the same
    waiting answers (SQLite takes no row locks). Returns what `other` returned, once run."""
    import threading

    from app.services import processing

    real, results = processing._claim, []

    def arm(other):
        def claim_then_race(response_ids, batch_size):
            batch = real(response_ids, batch_size)
            if not results:
                results.append(None)

                def run():
                    with app.app_context():
                        results[0] = other()
                        _db.session.remove()

                thread = threading.Thread(target=run)
                thread.start()
                thread.join(30)
            return batch

        monkeypatch.setattr(processing, "_claim", claim_then_race)
        return results

    return arm


@pytest.fixture
def erased_midway(db, monkeypatch):
    """An erasure that commits between ensure's INSERT (which finds the row there) and its
    SELECT (which then finds none): played in order by renaming the row right after the
    first INSERT, as erasure renames its tombstone."""
    from sqlalchemy import update

    from app.models import Customer
    from app.services import upserts

    real, calls = upserts.insert_ignore, []

    def insert_then_erase(model, conflict, values, returning=False):
        result = real(model, conflict, values, returning)
        if model is Customer and not calls:  # once, on the first lookup after arming
            calls.append(values["external_id"])
            db.session.execute(
                update(Customer)
                .where(Customer.external_id == values["external_id"])
                .values(external_id="erased-0000")
            )
        return result

    def arm():
        monkeypatch.setattr(upserts, "insert_ignore", insert_then_erase)
        return calls

    return arm


@pytest.fixture
def mail_server(app, monkeypatch):
    """start(handler, **smtp): a real SMTP server (aiosmtpd) on a free port with this handler
    (an Inbox, or one that refuses: tests.channels.helpers) and aiosmtpd's SMTP options
    (enable_SMTPUTF8=False: a relay without it), which the app sends to."""
    from aiosmtpd.controller import Controller

    from tests.channels.helpers import free_port

    controllers = []

    def start(handler, **smtp):
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **smtp)
        controller.start()
        controllers.append(controller)
        for name, value in (("SMTP_HOST", "127.0.0.1"), ("SMTP_PORT", port), ("SMTP_TLS", False)):
            monkeypatch.setitem(app.config, name, value)
        monkeypatch.setitem(app.config, "SMTP_USER", None)
        handler.port = port
        return handler

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp_server(mail_server):
    """A real SMTP server that takes every message; the app sends to it."""
    from tests.channels.helpers import Inbox

    return mail_server(Inbox())


def at_once(app, job, times: int = 2) -> list:
    """`job()` in `times` threads at once, each in an app context and session of its own, as
    concurrent workers or sweeps run: what they returned, in the order they finished. A
    thread's exception is raised here, not lost with the thread."""
    import threading

    outcomes, errors = [], []

    def run():
        with app.app_context():
            try:
                outcomes.append(job())
            except Exception as error:  # noqa: BLE001 — raised below, in the test
                errors.append(error)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return outcomes


def slow_mail(monkeypatch, seconds: float = 0.3) -> None:
    """Each email takes `seconds` first: long enough for a second sender to claim meanwhile."""
    import time

    from app.services import mailer

    send = mailer.Session.send

    def slow_send(session, message):
        time.sleep(seconds)
        send(session, message)

    monkeypatch.setattr(mailer.Session, "send", slow_send)
