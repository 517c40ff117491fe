"""The hours of a brand's day in which the emails it did not send by hand go out: an invitation
a journey event scheduled, a reminder. A delivery survey due 48 hours after a parcel came at
two in the morning, or a reminder three days after an invitation sent at night, waits for the
morning: an email opened at breakfast is answered, one found under the night's mail is not.

An invitation sent by hand (the API, a list) goes out at once: the brand chose the moment.
"""

from datetime import datetime

from sqlalchemy import select

from app import timestamps
from app.extensions import db
from app.models import Brand, Invitation


def fit(brand: Brand, moment: datetime) -> datetime:
    """`moment` (naive UTC), or the first moment after it within the brand's sending hours."""
    if brand.send_from_hour is None or brand.send_until_hour is None:
        return moment
    return timestamps.within_hours(
        moment, brand.time_zone, brand.send_from_hour, brand.send_until_hour
    )


def closed(now: datetime) -> list[int]:
    """The brands outside their sending hours at `now`: their due invitations and reminders
    wait, also those planned before the hours were set or the time zone changed, or due
    while no worker ran."""
    rows = db.session.execute(
        select(Brand.id, Brand.time_zone, Brand.send_from_hour, Brand.send_until_hour).where(
            Brand.send_from_hour.is_not(None), Brand.send_until_hour.is_not(None)
        )
    ).all()
    return [
        brand_id
        for brand_id, zone_name, first, until in rows
        if not timestamps.in_hours(now, zone_name, first, until)
    ]


def open_brands(now: datetime) -> tuple:
    """The condition that keeps a closed brand's invitations out of a look (none: any)."""
    shut = closed(now)
    return (Invitation.brand_id.not_in(shut),) if shut else ()
