"""Public pages and endpoints: the home page, the widget API (/w/v1) and hosted surveys (/s/)."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from app.public import home, loyalty_page  # noqa: E402,F401 — routes attach to bp
from app.public import demo, survey_pages, widget_api, widget_asset  # noqa: E402,F401

bp.register_blueprint(widget_api.bp)  # /w/v1, with its own CORS and origin checks
