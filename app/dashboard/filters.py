"""Reading the dashboard's filters from the URL, so a filtered view is a shareable link."""

from marshmallow import ValidationError

from app import timestamps
from app.errors import AppError, flatten_fields
from app.services import brand_days

STATS_KEYS = ("from_", "to", "persona", "channel", "touchpoint", "locale")
URL_NAMES = {"from_": "from"}


def parse(schema, args) -> dict:
    """The query string through its schema; empty form fields mean "no filter". 422 if bad."""
    raw = {key: value for key, value in args.items() if value != ""}
    try:
        return schema.load(raw, unknown="exclude")
    except ValidationError as error:
        raise AppError(
            422, "some filters are not valid", fields=flatten_fields(error.messages)
        ) from error


def stats_filters(brand, query: dict) -> dict:
    """The filters in the shape stats.journey_stats takes; a period preset sets from/to, the
    brand's days (brand_days) ending with its today."""
    filters = {key: query[key] for key in STATS_KEYS if query.get(key) is not None}
    return brand_days.apply_period(brand, filters, query.get("period"))


def url_args(query: dict, *keys: str) -> dict:
    """The query's values as URL arguments (dates as ISO strings), only the given keys."""
    keys = keys or ("journey", "period", *STATS_KEYS)
    args = {}
    for key in keys:
        value = query.get(key)
        if value is None or value == "":
            continue
        args[URL_NAMES.get(key, key)] = value.isoformat() if hasattr(value, "isoformat") else value
    return args


def day_words(day) -> str:
    """E.g. "1 Oct 2026": English month names (timestamps.MONTHS), whatever the server's locale."""
    return f"{day.day} {timestamps.MONTHS['en'][day.month - 1][:3]} {day.year}"


def period_words(brand, query: dict) -> str:
    """The days the view covers, in words: from/to when given (they win), else the preset;
    the brand's days, named by its zone."""
    filters = stats_filters(brand, query)
    since, until = filters.get("from_"), filters.get("to")
    days = f"days in {brand.time_zone}"
    if since and until:
        return f"{day_words(since)} – {day_words(until)}, {days}"
    if since:
        return f"{day_words(since)} – today ({day_words(brand_days.today(brand))}), {days}"
    if until:
        return f"all days up to {day_words(until)}, {days}"
    return "all time"
