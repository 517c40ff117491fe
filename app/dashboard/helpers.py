"""What every dashboard template can use: number formats, labels and the navigation extras."""

import importlib.util

from flask import current_app

from app.dashboard import bp, charts
from app.numbers import money
from app.pipeline.sentiment import label_for

# Pages that other features add; a link appears once the feature's module exists.
OPTIONAL_PAGES = (
    ("app.services.reviews", "dashboard.reviews", "dashboard.review", "Reviews"),
    ("loyalty.reports", "dashboard.loyalty", "dashboard.loyalty", "Loyalty"),
    ("app.services.webhooks", "dashboard.webhooks", "dashboard.webhook", "Webhooks"),
)


def feature_available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def extra_nav(user) -> list[dict]:
    items = []
    for module, endpoint, prefix, label in OPTIONAL_PAGES:
        if endpoint == "dashboard.webhooks" and not user.can("manage"):
            continue
        if feature_available(module) and endpoint in current_app.view_functions:
            items.append({"endpoint": endpoint, "prefix": prefix, "label": label})
    return items


def number(value, digits: int = 1, suffix: str = "") -> str:
    return charts.fmt(value, digits, suffix)


def percent(value, digits: int = 0) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def signed(value, digits: int = 1) -> str:
    return "–" if value is None else f"{value:+.{digits}f}"


def sentiment_word(mean) -> str:
    return "–" if mean is None else label_for(mean)


def half_width(interval) -> str:
    if not interval:
        return ""
    return f"±{(interval[1] - interval[0]) / 2:.1f}"


def heat(score) -> str:
    """A CSS class for an NPS cell: colour plus the number, never colour alone."""
    if score is None:
        return "heat-none"
    if score < -20:
        return "heat-1"
    if score < 0:
        return "heat-2"
    if score < 20:
        return "heat-3"
    if score < 40:
        return "heat-4"
    return "heat-5"


@bp.context_processor
def _helpers():
    from flask_login import current_user

    return {
        "number": number,
        "percent": percent,
        "signed": signed,
        "money": money,
        "sentiment_word": sentiment_word,
        "half_width": half_width,
        "heat": heat,
        "charts": charts,
        "dashboard_extra_nav": extra_nav(current_user) if current_user.is_authenticated else [],
    }
