"""The landing page: what this instance serves and where to go next."""

from flask import render_template
from sqlalchemy import select

from app.extensions import db
from app.models import Brand
from app.public import bp


@bp.route("/")
def index():
    brands = db.session.scalars(select(Brand).order_by(Brand.id).limit(20)).all()
    return render_template("index.html", brands=brands)


@bp.route("/healthz")
def healthz():
    db.session.execute(select(1))
    return {"status": "ok"}
