"""The landing page: what this instance serves and where to go next."""

import functools
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import Response, current_app, render_template, request
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db, queue
from app.models import Brand
from app.public import bp
from app.services import review_tally
from app.sessions import stateless


@bp.route("/")
def index():
    """Links to the review pages of the first brands that have any: the others (a brand just
    made, one that publishes nothing) are nobody's business on a public page."""
    ids = review_tally.public_brand_ids(limit=20)
    brands = db.session.scalars(select(Brand).where(Brand.id.in_(ids)).order_by(Brand.id)).all()
    return render_template("index.html", brands=brands)


@bp.route("/favicon.ico")
@stateless
def favicon():
    """Browsers ask every site for /favicon.ico: an SVG answers (no 404 in logs and consoles).

    From memory, not an open file: a browser drops this request whenever it leaves the page,
    and a file response whose client went before its headers were written is never closed
    (werkzeug's development server), which `make run` and the browser tests then warn of."""
    response = Response(_favicon(), mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = 86_400
    response.add_etag()
    return response.make_conditional(request)


@functools.cache
def _favicon() -> bytes:
    return (Path(current_app.static_folder) / "favicon.svg").read_bytes()


@bp.route("/healthz")
def healthz():
    """For a load balancer: 200 while this process can reach its database and the database
    has the schema this code needs, 503 when not. Redis is reported but does not fail the
    check: answers are still taken without it and processed by the next job or sweep."""
    try:
        schema = _schema()  # its one SELECT is also the proof that the database answers
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "down", "database": "down"}, 503, {"Retry-After": "1"}
    if schema in ("behind", "missing"):
        # Started before `flask db upgrade` (or on an older schema): every write would be a 500.
        found = {"status": "down", "database": "ok", "schema": schema}
        return found, 503, {"Retry-After": "5"}
    found = {"status": "ok", "database": "ok", **({"schema": schema} if schema != "ok" else {})}
    if not queue.inline:
        try:
            queue.kick_connection.ping()  # the kick's client: half a second at most
            found["redis"] = "ok"
        except Exception:  # noqa: BLE001 — any failure is "down", and is only reported
            found["redis"] = "down"
    return found


def _schema() -> str:
    """ "ok" at this code's migration head; "newer" at a revision this code does not know (a
    newer release migrated: migrations only add, so this code still works, and a rolling
    deploy's old workers stay in the pool); "behind" at an older one; "missing" with no
    tables. Read on every probe (one SELECT): a downgrade is seen too.

    A database made by create_all (the tests, the benchmarks) has the tables but no
    alembic_version: "ok"."""
    try:
        stored = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    except SQLAlchemyError:  # no such table
        db.session.rollback()
        return "ok" if inspect(db.session.connection()).has_table("brand") else "missing"
    scripts = _scripts()
    if stored == scripts.get_current_head():
        return "ok"
    return "behind" if stored is None or _known(scripts, stored) else "newer"


def _scripts() -> ScriptDirectory:
    """The migrations this code knows, read once per process."""
    found = current_app.extensions.get("migration_scripts")
    if found is None:
        found = ScriptDirectory(current_app.extensions["migrate"].directory)
        current_app.extensions["migration_scripts"] = found
    return found


def _known(scripts: ScriptDirectory, revision: str) -> bool:
    try:
        return scripts.get_revision(revision) is not None
    except CommandError:  # a newer code's migration: this code is the older one
        return False
