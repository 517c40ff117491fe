"""The brand's days, by its time zone (the brand table's time_zone): the daily cap's day and
the expiry's cutoff are the days its customers see on their loyalty page, not UTC days. An
answer at 00:30 in Amsterdam is on that day there."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app import timestamps
from app.extensions import db
from loyalty.models import naive_utc
from loyalty.tables import among, table


def zones(brand_ids: set[int]) -> dict[int, ZoneInfo]:
    """Each of these brands' time zone."""
    brand = table("brand")
    rows = db.session.execute(
        select(brand.c.id, brand.c.time_zone).where(among(brand.c.id, sorted(brand_ids)))
    )
    # timestamps.zone: the pages' zone for a name this host does not know (no tzdata), where
    # ZoneInfo would fail every brand's awards in the batch
    return {brand_id: timestamps.zone(name) for brand_id, name in rows}


def zone(brand_id: int) -> ZoneInfo:
    return zones({brand_id})[brand_id]


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The day a moment (naive UTC, as stored, or aware) falls on in that zone."""
    return naive_utc(moment).replace(tzinfo=UTC).astimezone(zone).date()


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first moment of that day in that zone, as stored (naive UTC): 23- and 25-hour days
    too."""
    return datetime.combine(day, time.min, zone).astimezone(UTC).replace(tzinfo=None)


def day_end(day: date, zone: ZoneInfo) -> datetime:
    """The last moment of that day in that zone, as stored."""
    return day_start(day + timedelta(days=1), zone) - timedelta(microseconds=1)
