"""Ids are INTEGER columns: a number beyond their range names nothing.

PostgreSQL refuses to compare an INTEGER with such a number (and SQLite with one past 64
bits), so an id from outside must be checked before it reaches a query, or a typo'd URL is
a 500. In a URL, `<int:…>` matches only ids in range, so anything else is a plain 404; in a
query string or body, schemas use `app.schemas.common.Id` (a 422 naming the field); cursors
that carry an id check it with `checked`.
"""

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER; SQLAlchemy's Integer on every dialect we run


def checked(value: int) -> int:
    """The id, or ValueError when no row could have it (callers turn that into their 422)."""
    if not 0 <= value <= MAX_ID:
        raise ValueError(f"{value} is not an id")
    return value


def number(raw: str | None, high: int = MAX_ID) -> int | None:
    """A whole number 0..high written in ASCII digits (spaces around allowed), else None: an
    id, a page, a score from a form or query. str.isdigit() alone also says yes to "²" and
    "①", which int() refuses, and a thousand digits are no id either."""
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(high)):
        return None
    value = int(raw)
    return value if value <= high else None


class IdConverter(IntegerConverter):
    """`<int:…>` with the id range as its bound, documented as such in the OpenAPI."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app) -> None:
    """Before any route is added: rules pick their converter when they are registered."""
    app.url_map.converters["int"] = IdConverter
