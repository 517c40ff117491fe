"""Public pages and endpoints: the home page, the widget API (/w/v1) and hosted surveys (/s/)."""

from flask import Blueprint

bp = Blueprint("public", __name__)

# the modules attach their routes to bp
from app.public import (  # noqa: E402,F401
    demo,
    home,
    loyalty_page,
    survey_pages,
    widget_api,
    widget_asset,
)

bp.register_blueprint(widget_api.bp)  # /w/v1, with its own CORS and origin checks
