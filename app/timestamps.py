"""How a moment is shown to machines: RFC 3339 in UTC, with its Z; and a day to people.

Moments are stored as naive UTC (app.models.base.utcnow). Written out without an offset, a
client would read them as its own local time (a browser's `new Date(…)` does), so the API,
the exports, the webhooks and the feeds all write the Z. A day a customer reads (a review's
date, a link's last day, a points line) is the day in the brand's time zone (Brand.time_zone):
an answer given at 00:30 in Amsterdam is dated that day, not the day before.
"""

import functools
import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_ZONE = "Europe/Amsterdam"


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


@functools.cache
def zone(name: str | None) -> ZoneInfo:
    """The IANA zone of this name; the default one for a name not (or no longer) known."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        # cached: said once per name, not on every date shown
        logging.getLogger(__name__).warning(
            "time zone %r is unknown here (tzdata?); dates use %s", name, DEFAULT_ZONE
        )
        return ZoneInfo(DEFAULT_ZONE)


@functools.cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name there is (the tzdata package ships them where the system has
    none), sorted: what a brand may choose."""
    return tuple(sorted(name for name in available_timezones() if "/" in name or name == "UTC"))


def local(value: datetime, zone_name: str | None) -> datetime:
    """A stored moment (naive UTC, or an aware one) as the wall-clock time in that zone."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(zone(zone_name))


def local_day(value: datetime, zone_name: str | None) -> date:
    """The day it was in that zone at that moment."""
    return local(value, zone_name).date()


def local_days(
    first: date | None, last: date | None, zone_name: str | None
) -> tuple[datetime | None, datetime | None]:
    """[the start of `first`, the start of the day after `last`) in that zone, as the stored
    moments (naive UTC) they span, 23- and 25-hour days too (None: open)."""

    def start(day: date) -> datetime:
        return naive_utc(datetime.combine(day, time.min, zone(zone_name)))

    return (
        start(first) if first else None,
        start(last + timedelta(days=1)) if last else None,
    )


def end_of_local_day(day: date, zone_name: str | None) -> datetime:
    """The last moment of that day in that zone, as stored (naive UTC): a link that "works
    until 4 February" works all of the 4th where its reader lives, 23- and 25-hour days too."""
    return local_days(None, day, zone_name)[1] - timedelta(microseconds=1)


def in_hours(moment: datetime, zone_name: str | None, first: int, until: int) -> bool:
    """Whether a stored moment (naive UTC) falls from `first` to `until` o'clock in that zone."""
    return first <= local(moment, zone_name).hour < until


def within_hours(value: datetime, zone_name: str | None, first: int, until: int) -> datetime:
    """A stored moment (naive UTC) moved, if need be, to the next moment from `first` o'clock
    to `until` o'clock in that zone (0 <= first < until <= 24): the same moment within them,
    else the first hour of them that day or a later one. On a day whose clock jumps, the hour
    that is there: never a moment earlier than `value`, nor one outside the hours."""
    if in_hours(value, zone_name, first, until):
        return value
    day = local(value, zone_name).date()
    for later in range(4):  # a jump can swallow a day's hours: the next day has them
        # each of the hours that day, as the clock shows it twice (fold 0 and 1) when it is
        # turned back; the earliest that is there (a jump moves an hour it skips past it)
        found = [
            moment
            for hour in range(first, min(until, 24))
            for fold in (0, 1)
            if (moment := _wall(day + timedelta(days=later), hour, fold, zone_name)) >= value
            and in_hours(moment, zone_name, first, until)
        ]
        if found:
            return min(found)
    return value  # no such hours for days: a zone no clock keeps


def _wall(day: date, hour: int, fold: int, zone_name: str | None) -> datetime:
    """That o'clock on that day in that zone, as stored (naive UTC)."""
    return naive_utc(datetime.combine(day, time(hour, fold=fold), zone(zone_name)))


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


def date_text(value, locale: str, zone_name: str | None = None) -> str:
    """The day as a reader writes it: "5 januari 2027", "5 January 2027" (review pages,
    the badge, invitation emails). With a zone, a moment is that zone's day first."""
    if zone_name is not None and isinstance(value, datetime):
        value = local_day(value, zone_name)
    return f"{value.day} {MONTHS[locale][value.month - 1]} {value.year}"
