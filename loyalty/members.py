"""Who is in the programme since when: each customer's first ledger moment at a brand.

loyalty_member.first_points_at is MIN(effective_at) of the customer's entries. Every write of
an entry passes its moment here, in the entry's transaction; entries are never deleted (an
erasure keeps them as amounts on the tombstone, retention only unlinks their answers) and
their effective_at never changes, so a minimum that only ever moves down stays exact.
"""

from sqlalchemy import func, select, true

from app.extensions import db
from loyalty.models import LedgerEntry, LoyaltyMember, naive_utc
from loyalty.tables import insert


def note(moments) -> None:
    """Record entries' (brand_id, customer_id, effective_at); a later-written entry that took
    effect earlier (a back-dated answer, an adjustment `at` a past moment) lowers the moment.

    One upsert whose update applies only when the new moment is earlier: atomic, so two
    transactions writing for one customer at once keep the smaller of the two, whichever
    commits first (on PostgreSQL the second waits for the row, then compares with it)."""
    first: dict[tuple[int, int], object] = {}
    for brand_id, customer_id, moment in moments:
        moment = naive_utc(moment)
        key = (brand_id, customer_id)
        if key not in first or moment < first[key]:
            first[key] = moment
    if not first:
        return
    rows = [
        {"brand_id": brand_id, "customer_id": customer_id, "first_points_at": moment}
        # in key order, so two batches upserting overlapping customers cannot deadlock
        for (brand_id, customer_id), moment in sorted(first.items())
    ]
    statement = insert(LoyaltyMember)
    statement = statement.on_conflict_do_update(
        index_elements=["brand_id", "customer_id"],
        set_={"first_points_at": statement.excluded.first_points_at},
        where=statement.excluded.first_points_at < LoyaltyMember.first_points_at,
    )
    db.session.execute(statement, rows)


def first_points_at(brand_id: int, customer_id: int):
    """The moment a customer's first entry took effect at this brand; None without entries."""
    return db.session.scalar(
        select(LoyaltyMember.first_points_at).where(
            LoyaltyMember.brand_id == brand_id, LoyaltyMember.customer_id == customer_id
        )
    )


def recount(brand_id: int | None = None) -> int:
    """Lower every member's moment to the first of their entries, adding the missing members
    (of one brand, or all): for entries written without `note`, as the code before 0030 did
    while the migration ran. One statement; returns how many rows it inserted or lowered."""
    first = func.min(LedgerEntry.effective_at)
    entries = select(LedgerEntry.brand_id, LedgerEntry.customer_id, first).where(
        true() if brand_id is None else LedgerEntry.brand_id == brand_id
    )  # a WHERE: SQLite needs one to tell an upsert's ON CONFLICT from a join's ON
    member = LoyaltyMember.__table__
    statement = insert(member).from_select(
        ["brand_id", "customer_id", "first_points_at"],
        entries.group_by(LedgerEntry.brand_id, LedgerEntry.customer_id),
    )
    statement = statement.on_conflict_do_update(
        index_elements=["brand_id", "customer_id"],
        set_={"first_points_at": statement.excluded.first_points_at},
        where=statement.excluded.first_points_at < member.c.first_points_at,
    )
    # preserve_rowcount: an INSERT that returns no rows is closed before its count is read
    changed = db.session.execute(statement.execution_options(preserve_rowcount=True)).rowcount
    db.session.commit()
    return max(changed, 0)
