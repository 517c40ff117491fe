"""What every dashboard template can use: number formats, labels and the navigation extras."""

import importlib.util

from flask import current_app

from app.dashboard import bp, charts, filters
from app.numbers import money
from app.pipeline.sentiment import label_for
from app.services import stats

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


def interval(bounds, digits: int = 1) -> str:
    """A 95 % interval as "low – high": the NPS one (Adjusted-Wald) is not symmetric, so no ±."""
    if not bounds:
        return ""
    return f"{charts.fmt(bounds[0], digits)} – {charts.fmt(bounds[1], digits)}"


def too_few(n) -> bool:
    """Some answers, but fewer than stats.MIN_ANSWERS: the score is shown greyed and not ranked."""
    return bool(n) and stats.too_few_answers(n)


def heat(score, n=None) -> str:
    """A CSS class for an NPS cell: colour plus the number, never colour alone; grey when the
    cell has too few answers to colour."""
    if score is None or too_few(n):
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
        "plural": charts.plural,
        "money": money,
        "sentiment_word": sentiment_word,
        "interval": interval,
        "too_few": too_few,
        "min_answers": stats.MIN_ANSWERS,
        "heat": heat,
        "period_words": lambda query: filters.period_words(current_user.brand, query),
        "charts": charts,
        "dashboard_extra_nav": extra_nav(current_user) if current_user.is_authenticated else [],
    }
