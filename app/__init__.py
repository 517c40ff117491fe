"""The application factory."""

import logging

from flask import Flask

import config


def create_app(app_env: str | None = None, overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(config.INSTANCE))
    app.config.from_mapping(config.load(app_env, overrides))
    if proxies := app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client's address and scheme as the proxies in front saw them, trusting only
        # as many X-Forwarded-* entries as there are proxies (a client can send its own).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        config.INSTANCE.mkdir(exist_ok=True)  # the embedded database lives in instance/
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    from app import (
        compression,
        connections,
        errors,
        extensions,
        ids,
        security,
        sessions,
        sqlite,
        storable_text,
        uploads,
    )

    ids.init_app(app)  # before any blueprint adds a rule with <int:…>

    extensions.db.init_app(app)
    connections.init_app(app)
    sqlite.init_app(app)  # before the first connection: each one enforces foreign keys
    extensions.migrate.init_app(app, extensions.db, directory=str(config.ROOT / "migrations"))
    extensions.login_manager.init_app(app)
    sessions.init_app(app)  # after Flask-Login: public assets send no Vary: Cookie
    uploads.init_app(app)  # before the CSRF check, the first to read a form's body
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    extensions.queue.init_app(app)
    extensions.api.init_app(app)
    errors.init_app(app)
    storable_text.init_app(app)
    security.init_app(app)
    compression.init_app(app)

    from app import numbers, page_language, timestamps
    from app.services import survey_specs

    survey_specs.init_app(app)
    page_language.init_app(app)
    # Points and other counts read "1.250" in Dutch, "1,250" in English: {{ n|whole(locale) }}.
    app.jinja_env.filters["whole"] = numbers.whole
    # "1 punt", "1 review": {{ counted(t, 'points', n) }}, the table's "_one" text for one.
    app.jinja_env.globals["counted"] = numbers.counted
    # A stored moment's day in a brand's time zone: {{ moment|local_day(brand.time_zone) }}.
    app.jinja_env.filters["local_day"] = timestamps.local_day

    from app import models  # noqa: F401 — registers every table on the metadata
    from app.api import register as register_api
    from app.dashboard import bp as dashboard_bp
    from app.public import bp as public_bp
    from app.reviews import bp as reviews_bp

    register_api(app, extensions.api)
    app.register_blueprint(public_bp)
    app.register_blueprint(reviews_bp)
    app.register_blueprint(dashboard_bp)

    from app.cli import register as register_cli

    register_cli(app)

    from app.services import loyalty_webhooks

    loyalty_webhooks.init_app(app)  # loyalty.earned / redeemed / deducted become webhooks

    from app import due_looks

    due_looks.init_app(app)  # without workers: due invitations and reminders (make run)
    return app
