"""The hours of a brand's day in which the emails it did not send by hand go out: an invitation
a journey event scheduled, a reminder. A delivery survey due 48 hours after a parcel came at
two in the morning, or a reminder three days after an invitation sent at night, waits for the
morning: an email opened at breakfast is answered, one found under the night's mail is not.

An invitation sent by hand (the API, a list) goes out at once: the brand chose the moment.
"""

from datetime import datetime

from app import timestamps
from app.models import Brand


def fit(brand: Brand, moment: datetime) -> datetime:
    """`moment` (naive UTC), or the first moment after it within the brand's sending hours."""
    if brand.send_from_hour is None or brand.send_until_hour is None:
        return moment
    return timestamps.within_hours(
        moment, brand.time_zone, brand.send_from_hour, brand.send_until_hour
    )
