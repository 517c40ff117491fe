"""The loyalty overview's "programme vs. others" as it was first written, per reach, from the
ledger itself: the oracle the stored first moments (loyalty_member) must agree with.

Kept as the SQL it was (two correlated EXISTS per reach), not as Python: it is the definition
the dashboard's figures were tested against, and the same dialect quirks (SQLite's moments as
text, PostgreSQL's timestamps) then apply to both sides.
"""

from datetime import datetime

from sqlalchemy import and_, case, exists, func, select, true

from app.extensions import db
from loyalty.models import LedgerEntry, LoyaltyMember


def response_rates(brand_id: int, since: datetime | None = None, until: datetime | None = None):
    """{"programme"|"others": (reached, answered)} by the original EXISTS formula."""
    reach, response = db.metadata.tables["customer_phase"], db.metadata.tables["response"]
    answered = exists().where(
        response.c.customer_id == reach.c.customer_id, response.c.phase_id == reach.c.phase_id
    )
    member = exists().where(
        LedgerEntry.brand_id == brand_id,
        LedgerEntry.customer_id == reach.c.customer_id,
        LedgerEntry.effective_at < reach.c.first_reached_at,
    )
    bounds = [reach.c.brand_id == brand_id]
    if since is not None:
        bounds.append(reach.c.first_reached_at >= since)
    if until is not None:
        bounds.append(reach.c.first_reached_at < until)
    rows = select(
        case((member, 1), else_=0).label("member"),
        case((answered, 1), else_=0).label("answered"),
    ).where(and_(*bounds), true())
    rows = rows.subquery()
    found = {
        int(flag): (int(count), int(answers or 0))
        for flag, count, answers in db.session.execute(
            select(rows.c.member, func.count(), func.sum(rows.c.answered)).group_by(rows.c.member)
        )
    }
    return {"programme": found.get(1, (0, 0)), "others": found.get(0, (0, 0))}


def first_moments() -> dict[tuple[int, int], datetime]:
    """MIN(effective_at) per (brand, customer), from the ledger."""
    return {
        (brand_id, customer_id): first
        for brand_id, customer_id, first in db.session.execute(
            select(
                LedgerEntry.brand_id, LedgerEntry.customer_id, func.min(LedgerEntry.effective_at)
            ).group_by(LedgerEntry.brand_id, LedgerEntry.customer_id)
        )
    }


def stored_moments() -> dict[tuple[int, int], datetime]:
    return {
        (row.brand_id, row.customer_id): row.first_points_at
        for row in db.session.execute(select(LoyaltyMember)).scalars().all()
    }


def assert_stored_moments_agree() -> None:
    """loyalty_member holds exactly the ledger's first moments, and the overview's rates
    equal the oracle's for every brand with reaches (whole period)."""
    from loyalty import reports

    assert stored_moments() == first_moments()
    reach = db.metadata.tables["customer_phase"]
    for brand_id in db.session.scalars(select(reach.c.brand_id).distinct()):
        rates = reports.response_rates(brand_id)
        assert {
            group: (rates[group]["reached"], rates[group]["answered"])
            for group in ("programme", "others")
        } == response_rates(brand_id)
