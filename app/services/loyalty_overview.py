"""The loyalty overview's totals for the period the marketer chose.

loyalty.reports.summary adds up the whole ledger; next to points per phase, the member lift
and the top rewards of the last 30 days, its all-time "Points issued" read as that period's.
"""

from datetime import datetime

from sqlalchemy import and_, case, func, select, true

from app.extensions import db
from loyalty.models import LedgerEntry


def _in_window(since: datetime | None, until: datetime | None):
    """Entries that took effect in [since, until); either end may be open."""
    bounds = []
    if since is not None:
        bounds.append(LedgerEntry.effective_at >= since)
    if until is not None:
        bounds.append(LedgerEntry.effective_at < until)
    return and_(*bounds) if bounds else true()


def summary(brand_id: int, since: datetime | None = None, until: datetime | None = None) -> dict:
    """The ledger's movements in the window (issued, redeemed, expired, clawed back, adjusted),
    the members who had one, and the points outstanding at the window's end.

    Without a window these are loyalty.reports.summary's all-time totals. Two queries, as
    there: one sum per kind (in the window, and up to its end), one count of customers.
    """
    in_window = _in_window(since, until)
    by_end = _in_window(None, until)
    rows = db.session.execute(
        select(
            LedgerEntry.kind,
            func.coalesce(func.sum(case((in_window, LedgerEntry.points), else_=0)), 0),
            func.coalesce(func.sum(case((by_end, LedgerEntry.points), else_=0)), 0),
        )
        .where(LedgerEntry.brand_id == brand_id)
        .group_by(LedgerEntry.kind)
    ).all()
    moved = {kind: int(points) for kind, points, _ in rows}
    outstanding = sum(int(points) for _, _, points in rows)
    members = db.session.scalar(
        select(func.count(func.distinct(LedgerEntry.customer_id))).where(
            LedgerEntry.brand_id == brand_id, in_window
        )
    )
    return {
        "issued": moved.get("earn", 0),
        "redeemed": -moved.get("redeem", 0),
        "expired": -moved.get("expire", 0),
        "clawed_back": -moved.get("clawback", 0),
        "adjusted": moved.get("adjust", 0),
        "outstanding": outstanding,
        "members": int(members or 0),
    }
