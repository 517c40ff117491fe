"""Configuration classes, chosen by APP_ENV; typed helpers read the environment."""

import logging
import os
import re
from pathlib import Path

from config.env import ConfigError, env_bool, env_int, env_list, env_str

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


class Config:
    APP_ENV = "development"
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI = ""
    # No pool_pre_ping: app/connections.py checks a pooled connection without a round-trip.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    REDIS_URL: str | None = None
    PUBLIC_URL = "http://127.0.0.1:5000"
    # Proxies in front of the app that set X-Forwarded-For and -Proto (a TLS terminator, a
    # load balancer): without it every visitor has the proxy's address, so one rate limit
    # and one fraud "client" cover all of them, and no request is seen as https.
    TRUSTED_PROXIES = 0
    MAX_CONTENT_LENGTH = 64 * 1024
    JSON_SORT_KEYS = False

    # OpenAPI (flask-smorest)
    API_TITLE = "Phasewise API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None

    RATELIMIT_STORAGE_URI = "memory://"
    # With REDIS_URL the limits count in Redis. If it is down they count per process in
    # memory meanwhile (an answer must not be lost to its rate limit), and a stalled Redis
    # holds a request half a second at most, as the pipeline's kick does.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_PUBLIC = "120 per minute"

    SMTP_HOST = "127.0.0.1"
    SMTP_PORT = 25
    SMTP_USER: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_TLS = False
    MAIL_FROM = "Phasewise <no-reply@phasewise.local>"
    # Where a reviewer's reply to a moderation notice goes; unset: the notice names no reply.
    REVIEWS_REPLY_TO: str | None = None

    # Measured on PostgreSQL (bench/pipeline.py, a 2-core box): 500 rows a batch cost the
    # least per row; 100-200 pay the per-batch statements more often, 1000 gains nothing.
    PIPELINE_BATCH_SIZE = 500
    # A pipeline job drains what is waiting for at most this long, then hands over to a new job.
    PIPELINE_JOB_SECONDS = 60
    # How long a process may use its copy of a survey's questions when validating answers
    # (app/services/survey_specs.py); 0 reads them on every answer.
    SURVEY_SPEC_SECONDS = 10
    JOB_RETRY_INTERVALS = [10, 60, 300]  # seconds before each retry; then the job is failed
    # Without REDIS_URL: how often the web process looks for due scheduled invitations and
    # reminders (app/due_looks.py); 0: never (the sweep's job). `make run` sets 300.
    DUE_LOOK_SECONDS = 0

    @classmethod
    def from_env(cls) -> dict:
        """The values the environment overrides; read at create_app time, never at import."""
        values = {
            "SECRET_KEY": env_str("SECRET_KEY"),
            # Keys SECRET_KEY replaced, comma-separated: links signed with them still open, and
            # the addresses hashed with them are still recognised, until they are taken out.
            "SECRET_KEY_FALLBACKS": env_list("SECRET_KEY_FALLBACKS"),
            "REDIS_URL": env_str("REDIS_URL"),
            "PUBLIC_URL": (env_str("PUBLIC_URL") or "").rstrip("/") or None,
            "SMTP_HOST": env_str("SMTP_HOST", cls.SMTP_HOST),
            "SMTP_PORT": env_int("SMTP_PORT", cls.SMTP_PORT),
            "SMTP_USER": env_str("SMTP_USER"),
            "SMTP_PASSWORD": env_str("SMTP_PASSWORD"),
            "SMTP_TLS": env_bool("SMTP_TLS", cls.SMTP_TLS),
            "MAIL_FROM": env_str("MAIL_FROM", cls.MAIL_FROM),
            "REVIEWS_REPLY_TO": env_str("REVIEWS_REPLY_TO"),
            "PIPELINE_BATCH_SIZE": env_int("PIPELINE_BATCH_SIZE", cls.PIPELINE_BATCH_SIZE),
            "SURVEY_SPEC_SECONDS": env_int("SURVEY_SPEC_SECONDS", cls.SURVEY_SPEC_SECONDS),
            "TRUSTED_PROXIES": env_int("TRUSTED_PROXIES", cls.TRUSTED_PROXIES),
            "SMTP_TIMEOUT": env_int("SMTP_TIMEOUT", 15),
            "WEBHOOK_TIMEOUT": env_int("WEBHOOK_TIMEOUT", 5),
            # how long an email the mail server would not take yet is tried again
            "MAIL_RETRY_HOURS": env_int("MAIL_RETRY_HOURS", 24),
            "DUE_LOOK_SECONDS": env_int("DUE_LOOK_SECONDS", cls.DUE_LOOK_SECONDS),
            "RATELIMIT_PUBLIC": env_str("RATELIMIT_PUBLIC", cls.RATELIMIT_PUBLIC),
            "RATELIMIT_WIDGET_CLIENT": env_str("RATELIMIT_WIDGET_CLIENT"),
            "RATELIMIT_WIDGET_SITE": env_str("RATELIMIT_WIDGET_SITE"),
        }
        if env_str("WEBHOOK_ALLOW_PRIVATE_TARGETS") is not None:  # unset: the env's default
            values["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = env_bool(
                "WEBHOOK_ALLOW_PRIVATE_TARGETS", False
            )
        database_url = env_str("DATABASE_URL")
        if database_url:
            values["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(database_url)
        if values["REDIS_URL"]:
            values["RATELIMIT_STORAGE_URI"] = values["REDIS_URL"]
        return {key: value for key, value in values.items() if value is not None}


class DevelopmentConfig(Config):
    APP_ENV = "development"
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE / 'phasewise.db'}"


class TestConfig(Config):
    APP_ENV = "test"
    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = True
    RATELIMIT_ENABLED = False
    SECRET_KEY = "test-only-secret-key"  # noqa: S105 — the test config never serves real users


class ProductionConfig(Config):
    APP_ENV = "production"
    PUBLIC_URL = None  # no default: links in emails must not point at 127.0.0.1
    # A failed statement's traceback would log its bound values: answers, addresses, key
    # hashes. (PostgreSQL's own DETAIL text of a constraint error can still name a key.)
    SQLALCHEMY_ENGINE_OPTIONS = {"hide_parameters": True}
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


CONFIGS = {"development": DevelopmentConfig, "test": TestConfig, "production": ProductionConfig}


def load(app_env: str | None = None, overrides: dict | None = None) -> dict:
    """Resolve the config for APP_ENV as a dict; production refuses insecure defaults."""
    name = app_env or os.environ.get("APP_ENV", "development")
    if name not in CONFIGS:
        raise ConfigError(f"APP_ENV must be one of {sorted(CONFIGS)}, not {name!r}")
    cls = CONFIGS[name]
    values = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
    values.update(cls.from_env())
    if name == "test":
        # Tests opt in to Redis explicitly (see tests/conftest.py), so the suite stays inline
        # and deterministic even when CI exports REDIS_URL for the tests that need it.
        values["REDIS_URL"] = None
        values["RATELIMIT_STORAGE_URI"] = "memory://"
        # Nor does a look for due invitations run behind a test's back (tests start one).
        values["DUE_LOOK_SECONDS"] = 0
    values.update(overrides or {})
    if name == "development" and not values.get("SECRET_KEY"):
        values["SECRET_KEY"] = _development_secret()
    _check(values)
    if name == "development" and values["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A cron line or worker started without APP_ENV would sign with another key.
        unset = "APP_ENV is not set" if not os.environ.get("APP_ENV") else "APP_ENV=development"
        log.warning("%s: running as development against PostgreSQL", unset)
    if name == "production":
        key = values.get("SECRET_KEY") or ""
        if len(key) < 32 or len(set(key)) < 10:
            raise ConfigError(
                "production needs SECRET_KEY: at least 32 characters, not a repeated "
                "placeholder (python3 -c 'import secrets; print(secrets.token_hex(32))')"
            )
        if any(len(old) < 32 for old in values.get("SECRET_KEY_FALLBACKS") or []):
            raise ConfigError("each of SECRET_KEY_FALLBACKS must be a key of 32 characters or more")
        if not values.get("SQLALCHEMY_DATABASE_URI") or values[
            "SQLALCHEMY_DATABASE_URI"
        ].startswith("sqlite"):
            raise ConfigError("production needs DATABASE_URL pointing at PostgreSQL")
        if not values.get("PUBLIC_URL"):
            raise ConfigError(
                "production needs PUBLIC_URL (like https://feedback.example.com): "
                "the base of the links in emails, feeds and sitemaps"
            )
        _warn_about_mail(values)
    return values


def split_mailbox(value: str) -> tuple[str, str]:
    """'Name <address>' as (name, address), the name unquoted; a bare address has no name.
    Split by hand: parseaddr reads an unquoted comma in the name ("Phasewise, Inc <…>") as
    two mailboxes."""
    value = value.strip()
    if value.endswith(">") and "<" in value:
        name, _, address = value[:-1].rpartition("<")
        name = name.strip()
        if len(name) > 1 and name[0] == name[-1] == '"':
            name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        return name, address.strip()
    return "", value


PUBLIC_URL_SHAPE = re.compile(r"https?://[^/\s?#]+(/\S*)?")


def _check(values: dict) -> None:
    """Settings that cannot work, refused at start in every environment."""
    if not PUBLIC_URL_SHAPE.fullmatch(values.get("PUBLIC_URL") or "http://x"):
        raise ConfigError(
            f"PUBLIC_URL must be an absolute http(s) URL like https://feedback.example.com, "
            f"not {values['PUBLIC_URL']!r}: it starts every link in emails"
        )
    if values["PIPELINE_BATCH_SIZE"] < 1:
        raise ConfigError("PIPELINE_BATCH_SIZE must be 1 or more")
    if values["TRUSTED_PROXIES"] < 0:
        raise ConfigError("TRUSTED_PROXIES must be 0 or more")
    for name in ("WEBHOOK_TIMEOUT", "SMTP_TIMEOUT"):
        if values[name] <= 0:  # 0 would time every delivery out
            raise ConfigError(f"{name} must be more than 0 seconds")
    if values["MAIL_RETRY_HOURS"] < 0:
        raise ConfigError("MAIL_RETRY_HOURS must be 0 or more")
    for name in ("RATELIMIT_PUBLIC", "RATELIMIT_WIDGET_CLIENT", "RATELIMIT_WIDGET_SITE"):
        # flask-limiter logs an unreadable limit per request and lets everything through
        if values.get(name) and not _rate_limit_readable(values[name]):
            raise ConfigError(
                f"{name} must be a rate limit like '120 per minute' or '120/minute;"
                f"2000/hour', not {values[name]!r}"
            )
    database = values.get("SQLALCHEMY_DATABASE_URI") or ""
    if database and not database.startswith(("postgresql", "sqlite")):
        raise ConfigError(
            f"DATABASE_URL must be a PostgreSQL URL like postgresql://user:password@host/db "
            f"(or sqlite:/// in development), not {database.split('://')[0]}://…"
        )
    redis_url = values.get("REDIS_URL")
    if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        shown = redis_url.rpartition("@")[2]  # a password before the @ stays out of the logs
        raise ConfigError(
            f"REDIS_URL must start with redis://, rediss:// or unix://, like "
            f"redis://127.0.0.1:6379/0, not {shown!r}"
        )
    address = split_mailbox(values.get("MAIL_FROM") or "")[1]
    if "@" not in address or "." not in address.rpartition("@")[2]:
        raise ConfigError(
            f"MAIL_FROM must be an address like 'Feedback <feedback@mail.example.com>', "
            f"not {values.get('MAIL_FROM')!r}"
        )


def _rate_limit_readable(value: str) -> bool:
    from limits import parse_many  # flask-limiter's own parser

    try:
        parse_many(value)
    except ValueError:
        return False
    return True


def _warn_about_mail(values: dict) -> None:
    """Settings production runs with but customers would notice: said in the log."""
    if not values["PUBLIC_URL"].startswith("https://"):
        log.warning(
            "PUBLIC_URL %s is not https: links in emails will be plain http", values["PUBLIC_URL"]
        )
    sender = values.get("MAIL_FROM") or ""
    domain = sender.strip().rstrip(">").rpartition("@")[2].strip().lower()
    if not domain or domain.endswith(".local"):
        log.warning(
            "MAIL_FROM %r has no public domain: receivers will refuse or bin the emails", sender
        )


def normalise_database_url(url: str) -> str:
    """Accept postgres:// and postgresql:// and use the psycopg 3 driver for both."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _development_secret() -> str:
    """A random per-checkout key kept in instance/, so no default secret ships in the code."""
    import secrets

    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
