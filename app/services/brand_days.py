"""The brand's days: what the dashboard, /stats, the exports and the weekly report count by.

A day is the brand's calendar day in its time zone (Brand.time_zone): an answer given at
00:30 in Amsterdam counts on that day, not on the day before as a UTC day would have it. The
rollups are keyed by it when a row is counted, so a changed time zone counts new rows by
the new one and leaves the days already counted as they were (raw rows may be gone by then,
and the rollups outlive them).
"""

import weakref
from datetime import date, datetime

from app import timestamps
from app.extensions import db
from app.models import Brand
from app.models.base import utcnow
from app.schemas.stats import period_days


def zone_of(brand_id: int) -> str:
    """The brand's zone name: a batch loads the brand once (the session keeps it)."""
    return db.session.get(Brand, brand_id).time_zone


def day_of(brand_id: int, moment: datetime) -> date:
    """The brand's day a stored moment (naive UTC) falls on: a rollup's day key."""
    return timestamps.local_day(moment, zone_of(brand_id))


# A processed answer's day, once per answer: three pipeline steps key their rollups by it,
# and each lookup of the brand and its zone cost more than the rest of a step's key.
_answer_days: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def answer_day(response) -> date:
    """day_of an answer's created_at, for the rollup steps of one batch."""
    day = _answer_days.get(response)
    if day is None:
        day = _answer_days[response] = day_of(response.brand_id, response.created_at)
    return day


def today(brand: Brand) -> date:
    return timestamps.local_day(utcnow(), brand.time_zone)


def apply_period(brand: Brand, filters: dict, preset: str | None) -> dict:
    """A period preset ("30d": the brand's today and the 29 days before) as the filters'
    from/to, unless those are given (they win); no preset, or "all": all time."""
    days = period_days(preset, today(brand))
    if days and not filters.get("from_") and not filters.get("to"):
        filters["from_"], filters["to"] = days
    return filters


def moments(brand: Brand, first: date | None, last: date | None):
    """[the start of `first`, the start of the day after `last`) as stored moments: the raw
    rows of the days the rollups count (None: open)."""
    return timestamps.local_days(first, last, brand.time_zone)
