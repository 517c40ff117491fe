"""The marketer dashboard (/dashboard) and its login."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from app.dashboard import session  # noqa: E402,F401 — registers the user loader
