"""How a moment is shown to machines: RFC 3339 in UTC, with its Z.

Moments are stored as naive UTC (app.models.base.utcnow). Written out without an offset, a
client would read them as its own local time (a browser's `new Date(…)` does), so the API,
the exports, the webhooks and the feeds all write the Z.
"""

from datetime import UTC, date, datetime


def iso_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat() + "Z"


def json_value(value: date) -> str:
    """A datetime as iso_utc, a plain date as itself (for json.dumps' default)."""
    return iso_utc(value) if isinstance(value, datetime) else value.isoformat()
