"""The landing page: what this instance serves and where to go next."""

from flask import current_app, render_template, send_from_directory
from sqlalchemy import select

from app.extensions import db
from app.models import Brand
from app.public import bp
from app.sessions import stateless


@bp.route("/")
def index():
    brands = db.session.scalars(select(Brand).order_by(Brand.id).limit(20)).all()
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
    db.session.execute(select(1))
    return {"status": "ok"}
