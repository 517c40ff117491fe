"""The marketer dashboard (/dashboard) and its login."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

# session registers the user loader; the others attach their routes to bp.
from app.dashboard import (  # noqa: E402,F401
    access,
    account,
    customers,
    helpers,
    home,
    invitations,
    loyalty_overview,
    manage,
    phase,
    review_moderation,
    session,
    settings,
    survey_editor,
    team,
    webhooks,
)
