"""The brand's days, by its time zone (the brand table's time_zone): the daily cap's day and
the expiry's cutoff are the days its customers see on their loyalty page, not UTC days. An
answer at 00:30 in Amsterdam is on that day there. The days themselves are app.timestamps'
(local_day, local_days, end_of_local_day), as the pages count them."""

from sqlalchemy import select

from app.extensions import db
from loyalty.tables import among, table


def zones(brand_ids: set[int]) -> dict[int, str]:
    """Each of these brands' time zone name (app.timestamps falls back, as on the pages, for
    one this host does not know)."""
    brand = table("brand")
    rows = db.session.execute(
        select(brand.c.id, brand.c.time_zone).where(among(brand.c.id, sorted(brand_ids)))
    )
    return dict(rows.all())


def zone(brand_id: int) -> str:
    return zones({brand_id})[brand_id]
