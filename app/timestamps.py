"""How a moment is shown to machines: RFC 3339 in UTC, with its Z; and a day to people.

Moments are stored as naive UTC (app.models.base.utcnow). Written out without an offset, a
client would read them as its own local time (a browser's `new Date(…)` does), so the API,
the exports, the webhooks and the feeds all write the Z.
"""

from datetime import UTC, date, datetime


def naive_utc(value: datetime) -> datetime:
    """A moment as stored: naive UTC. ValueError when UTC cannot hold it (year 1 east of
    Greenwich, 9999 west: astimezone overflows)."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC).replace(tzinfo=None)
    except OverflowError as error:
        raise ValueError(f"{value.isoformat()} is outside the years 1-9999 in UTC") from error


def iso_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return naive_utc(value).isoformat() + "Z"


def json_value(value: date) -> str:
    """A datetime as iso_utc, a plain date as itself (for json.dumps' default)."""
    return iso_utc(value) if isinstance(value, datetime) else value.isoformat()


MONTHS = {
    "nl": [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}


def date_text(value, locale: str) -> str:
    """The day as a reader writes it: "5 januari 2027", "5 January 2027" (review pages,
    the badge, invitation emails)."""
    return f"{value.day} {MONTHS[locale][value.month - 1]} {value.year}"
