"""A readable, server-rendered page of the OpenAPI document: no script, no CDN."""

from flask import Blueprint, render_template

from app.extensions import api

bp = Blueprint("api_docs", __name__)


@bp.route("/api/v1/docs")
def docs():
    spec = api.spec.to_dict()
    return render_template("api_docs.html", spec=spec)
