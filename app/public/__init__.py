"""Public pages and endpoints: the home page, the widget API (/w/v1) and hosted surveys (/s/)."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from app.public import home, loyalty_page  # noqa: E402,F401 — routes attach to bp
