"""The days customers read are the brand's (app.timestamps): a moment's local day, and the last
moment of a local day, on ordinary days and on the 23- and 25-hour days of DST."""

from datetime import date, datetime, timedelta

import pytest

from app import timestamps

AMS = "Europe/Amsterdam"


@pytest.mark.parametrize(
    ("utc", "zone", "day"),
    [
        (datetime(2026, 12, 31, 23, 30), AMS, date(2027, 1, 1)),  # 00:30 in Amsterdam
        (datetime(2026, 12, 31, 22, 59), AMS, date(2026, 12, 31)),
        (datetime(2026, 6, 30, 22, 30), AMS, date(2026, 7, 1)),  # summer: UTC+2
        (datetime(2026, 6, 30, 21, 59), AMS, date(2026, 6, 30)),
        (datetime(2026, 7, 1, 3, 0), "America/Curacao", date(2026, 6, 30)),
        (datetime(2026, 7, 1, 3, 0), "UTC", date(2026, 7, 1)),
    ],
)
def test_a_moment_is_dated_by_the_zones_day(utc, zone, day):
    assert timestamps.local_day(utc, zone) == day


@pytest.mark.parametrize(
    ("day", "last"),
    [
        (date(2027, 2, 4), datetime(2027, 2, 4, 22, 59, 59, 999999)),  # winter: UTC+1
        (date(2026, 7, 4), datetime(2026, 7, 4, 21, 59, 59, 999999)),  # summer: UTC+2
        # the day the clocks go forward ends at 22:00 UTC, the one they go back at 23:00
        (date(2026, 3, 29), datetime(2026, 3, 29, 21, 59, 59, 999999)),
        (date(2026, 10, 25), datetime(2026, 10, 25, 22, 59, 59, 999999)),
    ],
)
def test_the_last_moment_of_a_day_in_amsterdam(day, last):
    assert timestamps.end_of_local_day(day, AMS) == last
    assert timestamps.local_day(last, AMS) == day
    assert timestamps.local_day(last + timedelta(microseconds=1), AMS) == day + timedelta(1)


def test_a_zone_no_longer_known_falls_back_to_amsterdam():
    assert timestamps.local_day(datetime(2026, 12, 31, 23, 30), "Mars/Olympus") == date(2027, 1, 1)


def test_date_text_in_a_zone():
    moment = datetime(2026, 12, 31, 23, 30)
    assert timestamps.date_text(moment, "nl") == "31 december 2026"
    assert timestamps.date_text(moment, "nl", AMS) == "1 januari 2027"
    assert timestamps.date_text(date(2027, 1, 1), "en", AMS) == "1 January 2027"  # a day is a day


def test_every_zone_offered_is_one_the_app_can_load():
    names = timestamps.zone_names()
    assert AMS in names and "UTC" in names and "America/Curacao" in names
    assert "CET" not in names and "EST" not in names  # no place: not offered
    assert names == tuple(sorted(names))
