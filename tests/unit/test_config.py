"""Settings that cannot work stop the start; settings behind a proxy; the health check."""

import logging
import os

import pytest

import config
from app import create_app
from app.extensions import db
from tests.conftest import _normalise

KEY = "a-production-key-of-forty-characters-0123"
DATABASE = "postgresql+psycopg://phasewise@db/phasewise"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in (
        "PUBLIC_URL",
        "MAIL_FROM",
        "DATABASE_URL",
        "REDIS_URL",
        "SECRET_KEY",
        "PIPELINE_BATCH_SIZE",
        "TRUSTED_PROXIES",
        "WEBHOOK_TIMEOUT",
        "WEBHOOK_ALLOW_PRIVATE_TARGETS",
        "SMTP_TIMEOUT",
        "RATELIMIT_WIDGET_CLIENT",
    ):
        monkeypatch.delenv(name, raising=False)


def _production(**overrides):
    values = {
        "SECRET_KEY": KEY,
        "SQLALCHEMY_DATABASE_URI": DATABASE,
        "PUBLIC_URL": "https://feedback.example.com",
        **overrides,
    }
    return config.load("production", values)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"PUBLIC_URL": "feedback.example.com"}, "PUBLIC_URL must be an absolute"),
        ({"PUBLIC_URL": "ftp://feedback.example.com"}, "PUBLIC_URL must be an absolute"),
        ({"PIPELINE_BATCH_SIZE": 0}, "PIPELINE_BATCH_SIZE"),
        ({"MAIL_FROM": "not-an-address"}, "MAIL_FROM must be an address"),
        ({"MAIL_FROM": "Feedback <feedback@localhost>"}, "MAIL_FROM must be an address"),
        ({"SECRET_KEY": "a" * 40}, "SECRET_KEY"),
        ({"SECRET_KEY": "short-but-varied-0123"}, "SECRET_KEY"),
        ({"TRUSTED_PROXIES": -1}, "TRUSTED_PROXIES"),
        ({"SECRET_KEY_FALLBACKS": ["old-and-short"]}, "SECRET_KEY_FALLBACKS"),
        # unread, flask-limiter would switch the limit off and log every request
        ({"RATELIMIT_PUBLIC": "abc"}, "RATELIMIT_PUBLIC must be a rate limit"),
        ({"RATELIMIT_WIDGET_CLIENT": "120 a minute"}, "RATELIMIT_WIDGET_CLIENT"),
        ({"RATELIMIT_WIDGET_SITE": "3000/fortnight"}, "RATELIMIT_WIDGET_SITE"),
        ({"REDIS_URL": "redis//127.0.0.1:6379/9"}, "REDIS_URL must start with"),
        ({"REDIS_URL": "redis//:s3cret@redis.example:6379/0"}, "not 'redis.example:6379/0'"),
        ({"REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL must start with"),
    ],
)
def test_settings_that_cannot_work_stop_the_start(overrides, message):
    with pytest.raises(RuntimeError, match=message):
        _production(**overrides)


def test_readable_rate_limits_and_redis_urls_start():
    values = _production(
        RATELIMIT_PUBLIC="2 per minute",
        RATELIMIT_WIDGET_CLIENT="120/minute;2000/hour",
        REDIS_URL="rediss://:secret@redis.example:6380/0",
    )
    assert values["RATELIMIT_PUBLIC"] == "2 per minute"


def test_a_batch_size_of_zero_is_refused_in_every_environment(monkeypatch):
    monkeypatch.setenv("PIPELINE_BATCH_SIZE", "0")
    with pytest.raises(RuntimeError, match="PIPELINE_BATCH_SIZE"):
        config.load("test")


def test_production_logs_no_statement_parameters():
    assert _production()["SQLALCHEMY_ENGINE_OPTIONS"] == {"hide_parameters": True}


def test_the_documented_settings_are_read_from_the_environment(monkeypatch):
    for name, value in {
        "TRUSTED_PROXIES": "1",
        "WEBHOOK_TIMEOUT": "3",
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        "SMTP_TIMEOUT": "20",
        "RATELIMIT_WIDGET_CLIENT": "60 per minute",
    }.items():
        monkeypatch.setenv(name, value)
    values = _production()
    assert values["TRUSTED_PROXIES"] == 1 and values["WEBHOOK_TIMEOUT"] == 3
    assert values["WEBHOOK_ALLOW_PRIVATE_TARGETS"] is True and values["SMTP_TIMEOUT"] == 20
    assert values["RATELIMIT_WIDGET_CLIENT"] == "60 per minute"
    monkeypatch.delenv("WEBHOOK_ALLOW_PRIVATE_TARGETS")
    assert "WEBHOOK_ALLOW_PRIVATE_TARGETS" not in config.load("test")  # unset: the default


def test_development_on_postgresql_says_app_env_is_missing(monkeypatch, caplog):
    monkeypatch.setenv("DATABASE_URL", "postgresql://phasewise@db/phasewise")
    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.delenv("APP_ENV", raising=False)
    with caplog.at_level(logging.WARNING, logger="config"):
        config.load("development")
    assert "APP_ENV is not set: running as development against PostgreSQL" in caplog.text
    caplog.clear()
    monkeypatch.setenv("APP_ENV", "development")  # set, and it says so: no false "not set"
    with caplog.at_level(logging.WARNING, logger="config"):
        config.load("development")
    assert "APP_ENV=development: running as development against PostgreSQL" in caplog.text


def _remote(app):
    @app.route("/_who")
    def who():
        from flask import request

        return {"addr": request.remote_addr, "secure": request.is_secure}

    return app.test_client()


def test_behind_trusted_proxies_the_client_address_and_scheme_are_the_forwarded_ones():
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    plain = _remote(create_app("test")).get("/_who", headers=forwarded)
    assert plain.json == {"addr": "127.0.0.1", "secure": False}  # no proxy: headers ignored
    proxied = _remote(create_app("test", {"TRUSTED_PROXIES": 1}))
    answer = proxied.get("/_who", headers=forwarded)
    assert answer.json == {"addr": "203.0.113.7", "secure": True}
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"
    # only as many entries as there are proxies: a client's own header is not believed
    spoofed = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
    assert proxied.get("/_who", headers=spoofed).json["addr"] == "203.0.113.7"


def test_health_reports_redis_without_failing_on_it(app, database_uri):  # app: the tables
    uri = _normalise(database_uri)
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": uri, "REDIS_URL": "redis://127.0.0.1:1/0"})
    with app.app_context():
        answer = app.test_client().get("/healthz")
        db.session.remove()
        db.engine.dispose()  # closed now, not by the garbage collector (filterwarnings=error)
    assert answer.status_code == 200
    assert answer.json == {"status": "ok", "database": "ok", "redis": "down"}


@pytest.mark.parametrize(
    "env, said",
    [
        ({"APP_ENV": "production"}, "production needs SECRET_KEY"),
        ({"DATABASE_URL": "mysql://u:pw@db/phasewise"}, "DATABASE_URL must be a PostgreSQL URL"),
        ({"RATELIMIT_PUBLIC": "abc"}, "RATELIMIT_PUBLIC must be a rate limit"),
    ],
)
def test_a_setting_that_cannot_work_is_one_sentence_not_a_traceback(env, said):
    """What gunicorn and every flask command print: once per worker, a traceback buried it."""
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    done = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=config.ROOT,
        env={**clean, "APP_ENV": "development", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3  # gunicorn's "worker failed to boot"
    assert done.stderr.startswith(f"Phasewise cannot start: {said}")
    assert "Traceback" not in done.stderr and "pw@" not in done.stderr


@pytest.mark.parametrize(
    "database, said",
    [
        ("postgresql://postgres:pw@127.0.0.1:1/phasewise", "connection failed: "),
        ("sqlite:///{tmp}/empty.db", "no such table: "),
    ],
)
def test_a_command_that_cannot_use_the_database_says_so_in_one_line(tmp_path, database, said):
    """Cron's sweeps and db upgrade against a database that is down or not migrated: sixty
    lines of driver traceback in cron's mail hid the one that said so."""
    import subprocess
    import sys
    from pathlib import Path

    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "pipeline", "sweep"],
        cwd=config.ROOT,
        env={**clean, "APP_ENV": "development", "DATABASE_URL": database.format(tmp=tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"Phasewise cannot use the database: {said}")
    assert "Traceback" not in done.stderr and "pw@" not in done.stderr
    if said.startswith("no such table"):
        assert last.endswith("(has flask --app wsgi db upgrade run against it?)")


def test_other_errors_keep_their_traceback():
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "import wsgi; raise ValueError('a bug')"],
        cwd=config.ROOT,
        env={k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Traceback" in done.stderr and "ValueError: a bug" in done.stderr


def test_gunicorn_stops_on_a_setting_that_cannot_work():
    """With exit code 1 gunicorn started worker after worker for ever (38 in 12 s), the master
    listening on: a supervisor never saw the failure. Code 3 stops it. (One worker: a second
    one, stopped by the master while still importing, may print a traceback of its own.)"""
    import subprocess
    import sys
    from pathlib import Path

    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    done = subprocess.run(
        [str(gunicorn), "--workers", "1", "--bind", "127.0.0.1:0", "wsgi:app"],
        cwd=config.ROOT,
        env={**clean, "APP_ENV": "development", "RATELIMIT_PUBLIC": "abc"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3
    assert "Phasewise cannot start: RATELIMIT_PUBLIC" in done.stderr
    assert "Worker failed to boot" in done.stderr and "Traceback" not in done.stderr


def test_fallback_keys_are_read_comma_separated(monkeypatch):
    monkeypatch.setenv("SECRET_KEY_FALLBACKS", " first-old-key , ,second-old-key")
    assert config.load("test")["SECRET_KEY_FALLBACKS"] == ["first-old-key", "second-old-key"]
    monkeypatch.delenv("SECRET_KEY_FALLBACKS")
    assert config.load("test")["SECRET_KEY_FALLBACKS"] == []
