"""The landing page: what this instance serves and where to go next."""

from flask import current_app, render_template, send_from_directory
from sqlalchemy import select
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
    """Browsers ask every site for /favicon.ico: an SVG answers (no 404 in logs and consoles)."""
    response = send_from_directory(
        current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86_400
    )
    response.cache_control.public = True
    return response


@bp.route("/healthz")
def healthz():
    """For a load balancer: 200 while this process can reach its database, 503 when not.
    Redis is reported but does not fail the check: answers are still taken without it and
    processed by the next job or sweep."""
    try:
        db.session.execute(select(1))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "down", "database": "down"}, 503, {"Retry-After": "1"}
    found = {"status": "ok", "database": "ok"}
    if not queue.inline:
        try:
            queue.kick_connection.ping()  # the kick's client: half a second at most
            found["redis"] = "ok"
        except Exception:  # noqa: BLE001 — any failure is "down", and is only reported
            found["redis"] = "down"
    return found
