"""Expiry: points older than the brand's expiry_months lapse, as visible `expire` entries.

Spending uses the oldest points first (FIFO), so what expires is what is left of the credits
earned on or before the cutoff after every debit so far (redemptions, earlier expiries,
negative adjustments). A clawback keeps the date of the bonus it cancels, so it reduces that
old credit rather than counting as spending. Running expiry twice changes nothing the second
time: earlier expiries are debits, and the entry's key is (customer, cutoff day). Days are the
brand's (loyalty.days).
"""

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, not_, or_, select

from app import timestamps
from app.extensions import db
from loyalty import days, events
from loyalty.ledger import add_once, lock_customer
from loyalty.models import LedgerEntry, utcnow
from loyalty.policy import get_policy

CHUNK = 200


@dataclass(frozen=True)
class Due:
    brand_id: int
    customer_id: int
    cutoff: datetime
    day: date  # the cutoff's day, as the brand's customers read it


def months_before(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def cutoff_for(as_of: datetime, months: int, zone: str = "UTC") -> tuple[date, datetime]:
    """The brand's day (in its zone) before the one `months` before `as_of`, and that day's
    last moment as stored: what was earned up to then expires. A whole day, so the entry's
    note ("earned on or before 2025-12-31") is true of every point it takes, as the
    customer's loyalty page dates them, and every point lives its months at least (a daily
    run takes it on the first run after)."""
    local = timestamps.local(as_of, zone).replace(tzinfo=None)
    day = months_before(local, months).date() - timedelta(days=1)
    return day, timestamps.end_of_local_day(day, zone)


def _is_credit():
    return or_(
        LedgerEntry.kind.in_(("earn", "clawback")),
        and_(LedgerEntry.kind == "adjust", LedgerEntry.points > 0),
    )


def _figures(cutoff: datetime):
    old_credit = func.coalesce(
        func.sum(
            case(
                (and_(_is_credit(), LedgerEntry.effective_at <= cutoff), LedgerEntry.points),
                else_=0,
            )
        ),
        0,
    )
    debit = func.coalesce(func.sum(case((not_(_is_credit()), -LedgerEntry.points), else_=0)), 0)
    total = func.coalesce(func.sum(LedgerEntry.points), 0)
    return old_credit, debit, total


def amount_due(brand_id: int, customer_id: int, cutoff: datetime) -> int:
    old_credit, debit, total = _figures(cutoff)
    row = db.session.execute(
        select(old_credit, debit, total).where(
            LedgerEntry.brand_id == brand_id, LedgerEntry.customer_id == customer_id
        )
    ).one()
    return max(min(int(row[0]) - int(row[1]), int(row[2])), 0)


def plan(as_of: datetime | None = None, brand_id: int | None = None) -> list[Due]:
    """The customers with points to expire as of this moment, brand by brand."""
    as_of = as_of or utcnow()
    brands = select(LedgerEntry.brand_id).distinct()
    if brand_id is not None:
        brands = brands.where(LedgerEntry.brand_id == brand_id)
    work: list[Due] = []
    for current in db.session.scalars(brands.order_by(LedgerEntry.brand_id)).all():
        months = get_policy(current)["expiry_months"]
        if not months:
            continue
        day, cutoff = cutoff_for(as_of, int(months), days.zone(current))
        old_credit, debit, total = _figures(cutoff)
        rows = db.session.execute(
            select(LedgerEntry.customer_id)
            .where(LedgerEntry.brand_id == current)
            .group_by(LedgerEntry.customer_id)
            .having(and_(old_credit - debit > 0, total > 0))
            .order_by(LedgerEntry.customer_id)
        )
        work += [Due(current, customer_id, cutoff, day) for (customer_id,) in rows]
    return work


def expire_customer(due: Due, as_of: datetime) -> int:
    """Write this customer's expire entry (no commit); the points expired now."""
    lock_customer(due.customer_id)
    amount = amount_due(due.brand_id, due.customer_id, due.cutoff)  # again, under the lock
    if amount <= 0:
        return 0
    values = {
        "brand_id": due.brand_id,
        "customer_id": due.customer_id,
        "kind": "expire",
        "points": -amount,
        "source_type": "expiry",
        # One per customer and cutoff day: two runs of one brand day take one cutoff (a UTC
        # date of the run would refuse a brand west of UTC its second day's run).
        "source_id": f"{due.customer_id}:{due.day:%Y-%m-%d}",
        "reason": "expired",
        "note": f"earned on or before {due.day:%Y-%m-%d}",
        "effective_at": as_of,
    }
    if add_once(values, events.DEDUCTED) is None:
        return 0
    return amount


def expire_planned(
    work: list[Due], as_of: datetime, on_step: Callable[[int], None] | None = None
) -> dict:
    """Expire the planned customers, committing every CHUNK; {"customers", "points"}."""
    customers = points = 0
    for start in range(0, len(work), CHUNK):
        chunk = work[start : start + CHUNK]
        for due in chunk:
            expired = expire_customer(due, as_of)
            if expired:
                customers += 1
                points += expired
        db.session.commit()
        if on_step is not None:
            on_step(len(chunk))
    return {"customers": customers, "points": points}


def run(as_of: datetime | None = None, brand_id: int | None = None) -> dict:
    as_of = as_of or utcnow()
    return expire_planned(plan(as_of, brand_id), as_of)
